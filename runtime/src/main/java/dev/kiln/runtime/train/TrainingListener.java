package dev.kiln.runtime.train;

/**
 * Observes a training run: progress bars, logs, learning-rate changes, custom checkpoints. Every method has an
 * empty default; listeners run on the training thread between batches, so they should be quick. An exception thrown
 * here ends the run.
 */
public interface TrainingListener {
  /** Before the first batch. */
  default void onTrainingStart(TrainingPlan plan) {}

  /** After each optimizer step. The progress object is reused: read it now, do not keep it. */
  default void onBatchEnd(BatchProgress progress) {}

  /** After each epoch's validation and early-stopping bookkeeping. */
  default void onEpochEnd(EpochResult result) {}

  /** After the last epoch, once the best weights are restored if they are. */
  default void onTrainingEnd(TrainingHistory history) {}
}
