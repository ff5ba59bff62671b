package dev.kiln.runtime.train;

import java.util.List;

/**
 * The record of a training run: one {@link EpochResult} per epoch run, which epoch was best by the monitored
 * quantity, and whether the run stopped early and the best weights were restored.
 */
public final class TrainingHistory {
  private final List<EpochResult> epochs;
  private final int bestEpoch;
  private final Monitor monitor;
  private final boolean stoppedEarly;
  private final boolean restoredBest;
  private final double seconds;

  TrainingHistory(List<EpochResult> epochs, int bestEpoch, Monitor monitor, boolean stoppedEarly,
      boolean restoredBest, double seconds) {
    this.epochs = List.copyOf(epochs);
    this.bestEpoch = bestEpoch;
    this.monitor = monitor;
    this.stoppedEarly = stoppedEarly;
    this.restoredBest = restoredBest;
    this.seconds = seconds;
  }

  /** One result per epoch run, in order. */
  public List<EpochResult> epochs() {
    return epochs;
  }

  /** Epochs run. */
  public int epochCount() {
    return epochs.size();
  }

  /** The last epoch's result. */
  public EpochResult last() {
    return epochs.get(epochs.size() - 1);
  }

  /** The epoch (from 1) with the best monitored value; 0 when no epoch ran. */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** The best epoch's result. */
  public EpochResult best() {
    return epochs.get(bestEpoch - 1);
  }

  /** What "best" was judged by. */
  public Monitor monitor() {
    return monitor;
  }

  /** Whether early stopping ended the run before its last epoch. */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** Whether the model's weights were set back to the best epoch's at the end. */
  public boolean restoredBest() {
    return restoredBest;
  }

  /** Wall time of the whole run. */
  public double seconds() {
    return seconds;
  }

  public double[] trainLoss() {
    return epochs.stream().mapToDouble(EpochResult::trainLoss).toArray();
  }

  public double[] trainAccuracy() {
    return epochs.stream().mapToDouble(EpochResult::trainAccuracy).toArray();
  }

  public double[] validationLoss() {
    return epochs.stream().mapToDouble(EpochResult::validationLoss).toArray();
  }

  public double[] validationAccuracy() {
    return epochs.stream().mapToDouble(EpochResult::validationAccuracy).toArray();
  }

  /** Seconds per epoch. */
  public double[] times() {
    return epochs.stream().mapToDouble(EpochResult::seconds).toArray();
  }

  /** A table with one line per epoch, the best one marked. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(ConsoleProgress.tableHeader()).append('\n');
    for (EpochResult r : epochs) {
      sb.append(ConsoleProgress.tableRow(r, epochs.size())).append(r.epoch() == bestEpoch ? "  best" : "")
          .append('\n');
    }
    sb.append(String.format("%d epochs in %s%s%s", epochs.size(), ConsoleProgress.duration(seconds),
        stoppedEarly ? ", stopped early" : "",
        restoredBest ? ", restored epoch " + bestEpoch + "'s weights" : ""));
    return sb.toString();
  }
}
