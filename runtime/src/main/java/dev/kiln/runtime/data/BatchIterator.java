package dev.kiln.runtime.data;

import dev.kiln.runtime.Rng;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Walks a {@link Dataset} in mini-batches, once per epoch, copying each batch into one reused {@link Batch}. Every
 * sample appears exactly once per epoch; the last batch holds the remainder when the batch size does not divide the
 * set. Call {@link #shuffle(Rng)} (or {@link #reset()} for the stored order) to start each epoch.
 *
 * <p>Nothing is allocated per batch or per epoch: the order lives in one int array that is shuffled in place. Not
 * thread-safe.
 */
public final class BatchIterator implements Iterator<Batch> {
  private final Dataset data;
  private final int batchSize;
  private final int[] order;
  /** Allocated at the first batch, once the target layout is settled. */
  private Batch batch;
  private int oneHotWidth;
  private int position;

  BatchIterator(Dataset data, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive: " + batchSize);
    }
    if (data.size() == 0) {
      throw new IllegalArgumentException("cannot iterate an empty data set");
    }
    this.data = data;
    this.batchSize = Math.min(batchSize, data.size());
    this.order = new int[data.size()];
    reset();
  }

  /**
   * Makes the batches carry one-hot encoded labels of {@code width} classes in {@link Batch#targets()}, for losses
   * that compare against float targets; a set with its own targets keeps them. Call before the first batch.
   *
   * @return this iterator
   */
  public BatchIterator withOneHotTargets(int width) {
    if (!data.hasLabels()) {
      throw new IllegalStateException("one-hot targets need labels");
    }
    if (width < data.numClasses()) {
      throw new IllegalArgumentException(
          "one-hot width " + width + " is narrower than the " + data.numClasses() + " classes");
    }
    if (batch != null) {
      throw new IllegalStateException("one-hot targets must be chosen before the first batch");
    }
    this.oneHotWidth = width;
    return this;
  }

  /** The batch size in force (the set size when a larger one was asked for). */
  public int batchSize() {
    return batchSize;
  }

  /** Batches in one epoch, counting a smaller final batch. */
  public int batchesPerEpoch() {
    return (data.size() + batchSize - 1) / batchSize;
  }

  /** Starts a new epoch in the stored sample order. */
  public void reset() {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    position = 0;
  }

  /**
   * Starts a new epoch in a fresh random order. The order restarts from the identity before shuffling, so an epoch's
   * order depends only on the generator's state, not on earlier epochs.
   */
  public void shuffle(Rng rng) {
    reset();
    Dataset.shuffle(order, order.length, rng);
  }

  @Override
  public boolean hasNext() {
    return position < order.length;
  }

  /** Fills and returns the shared batch; it is overwritten by the next call. */
  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException("epoch finished; call reset() or shuffle() to start another");
    }
    if (batch == null) {
      int width = data.hasTargets() ? data.targetWidth() : oneHotWidth;
      batch = new Batch(data.shape(), batchSize, data.hasLabels(), width);
    }
    int n = Math.min(batchSize, order.length - position);
    int ss = data.sampleSize();
    float[] src = data.features();
    float[] dst = batch.features();
    int[] labels = data.labels();
    float[] targets = data.targets();
    int tw = data.targetWidth();
    int[] idx = batch.indices();
    for (int k = 0; k < n; k++) {
      int i = order[position + k];
      idx[k] = i;
      System.arraycopy(src, i * ss, dst, k * ss, ss);
      if (labels != null) {
        batch.labels()[k] = labels[i];
      }
      if (targets != null) {
        System.arraycopy(targets, i * tw, batch.targets(), k * tw, tw);
      }
    }
    if (targets == null && oneHotWidth > 0) {
      float[] t = batch.targets();
      Arrays.fill(t, 0, n * oneHotWidth, 0f);
      for (int k = 0; k < n; k++) {
        t[k * oneHotWidth + batch.labels()[k]] = 1f;
      }
    }
    batch.size = n;
    position += n;
    return batch;
  }

  /** The shared batch, holding the last batch returned by {@link #next()}; null before the first. */
  public Batch batch() {
    return batch;
  }
}
