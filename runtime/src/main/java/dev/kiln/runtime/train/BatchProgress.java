package dev.kiln.runtime.train;

/**
 * The state of training after one batch, passed to {@link TrainingListener#onBatchEnd}. One instance is reused for
 * every batch of a run, so that progress reporting allocates nothing: read it during the call, do not keep it.
 */
public final class BatchProgress {
  int epoch;
  int epochs;
  int batch;
  int batchesPerEpoch;
  int batchSize;
  double loss;
  double meanLoss;
  double accuracy;
  double samplesPerSecond;
  double elapsedSeconds;
  double etaSeconds;
  double learningRate;
  long samplesSeen;

  BatchProgress() {}

  /** The current epoch, from 1. */
  public int epoch() {
    return epoch;
  }

  /** The most epochs the run will take. */
  public int epochs() {
    return epochs;
  }

  /** This batch's number within the epoch, from 1. */
  public int batch() {
    return batch;
  }

  public int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  /** Samples in this batch. */
  public int batchSize() {
    return batchSize;
  }

  /** This batch's loss. */
  public double loss() {
    return loss;
  }

  /** The epoch's mean loss so far, weighted by batch size. */
  public double meanLoss() {
    return meanLoss;
  }

  /** The epoch's training accuracy so far, or NaN when the task has no class labels. */
  public double accuracy() {
    return accuracy;
  }

  /** Training samples (images) per second over the epoch so far. */
  public double samplesPerSecond() {
    return samplesPerSecond;
  }

  /** Seconds since the epoch began. */
  public double elapsedSeconds() {
    return elapsedSeconds;
  }

  /**
   * Estimated seconds until the run ends if it takes all its epochs: the run's mean time per batch so far
   * (validation included) times the batches left.
   */
  public double etaSeconds() {
    return etaSeconds;
  }

  /** The learning rate of this batch's step. */
  public double learningRate() {
    return learningRate;
  }

  /** Training samples processed in this epoch so far. */
  public long samplesSeen() {
    return samplesSeen;
  }
}
