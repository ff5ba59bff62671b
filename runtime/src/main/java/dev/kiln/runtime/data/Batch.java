package dev.kiln.runtime.data;

import dev.kiln.runtime.Shape;

/**
 * One mini-batch, in arrays sized for the largest batch and reused for every batch of an epoch, so that iterating
 * allocates nothing. Only the first {@link #size()} samples are valid; the contents change on the next
 * {@link BatchIterator#next()}.
 *
 * <p>The feature array is a copy, not a view of the data set: augmentations may rewrite it in place.
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
