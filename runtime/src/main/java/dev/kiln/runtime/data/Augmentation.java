package dev.kiln.runtime.data;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A random transformation of training images, applied to each mini-batch in place so that every epoch sees
 * different variants of the same samples. Implementations draw all randomness from the {@link Rng} passed in, image
 * by image in batch order, so a seed reproduces a run. Built-in augmentations come from {@link Augmentations};
 * combine them with {@link #andThen} or {@link #pipeline}.
 *
 * <p>Augmentations may keep scratch buffers between calls (to allocate nothing per batch) and are therefore not
 * thread-safe: use one instance per thread.
 */
@FunctionalInterface
public interface Augmentation {
  /**
   * Transforms the first {@code count} images of {@code images} (batch-major, each of {@code shape}) in place.
   *
   * @param shape {@code CxHxW} or {@code HxW}
   */
  void apply(float[] images, int count, Shape shape, Rng rng);

  /** This augmentation, then {@code next}. */
  default Augmentation andThen(Augmentation next) {
    return pipeline(this, next);
  }

  /** The given augmentations applied in order. */
  static Augmentation pipeline(Augmentation... steps) {
    Augmentation[] array = List.of(steps).toArray(new Augmentation[0]); // List.of rejects nulls
    return new Augmentation() {
      @Override
      public void apply(float[] images, int count, Shape shape, Rng rng) {
        for (int i = 0; i < array.length; i++) { // indexed: no iterator per batch
          array[i].apply(images, count, shape, rng);
        }
      }

      @Override
      public String toString() {
        return "pipeline" + List.of(array);
      }
    };
  }
}
