package dev.kiln.runtime.data;

import dev.kiln.runtime.Shape;

/**
 * One mini-batch, in arrays sized for the largest batch and reused for every batch of an epoch, so that iterating
 * allocates nothing. Only the first {@link #size()} samples are valid; the contents change on the next
 * {@link BatchIterator#next()}.
 *
 * <p>The feature array is a copy, not a view of the data set: augmentations may rewrite it in place. A batch made by
 * {@link #ofLabels} or {@link #ofTargets} is the other way round: a view of the caller's arrays, for one's own
 * training loop ({@code Trainer.step}).
 */
public final class Batch {
  private final Shape shape;
  private final float[] features;
  private final int[] labels;
  private final float[] targets;
  private final int targetWidth;
  private final int[] indices;
  int size;

  Batch(Shape shape, int capacity, boolean labels, int targetWidth) {
    this.shape = shape;
    this.features = new float[Math.multiplyExact(capacity, shape.size())];
    this.labels = labels ? new int[capacity] : null;
    this.targets = targetWidth > 0 ? new float[capacity * targetWidth] : null;
    this.targetWidth = targetWidth;
    this.indices = new int[capacity];
  }

  private Batch(Shape shape, float[] features, int[] labels, float[] targets, int targetWidth, int size) {
    this.shape = shape;
    this.features = features;
    this.labels = labels;
    this.targets = targets;
    this.targetWidth = targetWidth;
    this.indices = new int[size];
    for (int i = 0; i < size; i++) {
      indices[i] = i;
    }
    this.size = size;
  }

  /**
   * A batch of {@code labels.length} samples over arrays of the caller's, not copied, for {@code Trainer.step} in a
   * training loop of one's own: make it once and refill the arrays in place before each step (nothing is allocated
   * per step). Sample {@code i}'s features are {@code features[i * shape.size() ..]}, its class {@code labels[i]};
   * {@link #indices()} are {@code 0, 1, ...}.
   *
   * @throws IllegalArgumentException if {@code features} does not hold exactly {@code labels.length} samples, or a
   *     label is negative
   */
  public static Batch ofLabels(Shape shape, float[] features, int[] labels) {
    int size = labels.length;
    checkFeatures(shape, features, size);
    for (int i = 0; i < size; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException("label " + i + " is negative: " + labels[i]);
      }
    }
    return new Batch(shape, features, labels, null, 0, size);
  }

  /**
   * A batch of {@code targets.length / targetWidth} samples with float targets over arrays of the caller's, not
   * copied, as {@link #ofLabels}: sample {@code i}'s targets are {@code targets[i * targetWidth ..]}.
   *
   * @throws IllegalArgumentException if {@code targetWidth} does not divide {@code targets.length}, or {@code
   *     features} does not hold exactly that many samples
   */
  public static Batch ofTargets(Shape shape, float[] features, float[] targets, int targetWidth) {
    if (targetWidth < 1 || targets.length % targetWidth != 0) {
      throw new IllegalArgumentException(
          "targets hold " + targets.length + " values, not a whole number of samples of " + targetWidth);
    }
    int size = targets.length / targetWidth;
    checkFeatures(shape, features, size);
    return new Batch(shape, features, null, targets, targetWidth, size);
  }

  private static void checkFeatures(Shape shape, float[] features, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("a batch needs at least one sample");
    }
    if (features.length != (long) size * shape.size()) {
      throw new IllegalArgumentException("features hold " + features.length + " values; " + size + " samples of "
          + shape + " are " + (long) size * shape.size());
    }
  }

  /** Samples in this batch; the last batch of an epoch may be smaller than the others. */
  public int size() {
    return size;
  }

  /** The most samples a batch can hold. */
  public int capacity() {
    return indices.length;
  }

  /** The shape of one sample. */
  public Shape shape() {
    return shape;
  }

  /** The samples, batch-major; the first {@code size() * shape().size()} values are valid. */
  public float[] features() {
    return features;
  }

  /** The class labels, or null when the data set has none. */
  public int[] labels() {
    return labels;
  }

  /**
   * The float targets ({@code size() * targetWidth()} valid), or null: the data set's own targets, or one-hot labels
   * when the iterator was asked for them.
   */
  public float[] targets() {
    return targets;
  }

  public int targetWidth() {
    return targetWidth;
  }

  /** For each row of the batch, the index of its sample in the data set. */
  public int[] indices() {
    return indices;
  }
}
