package dev.kiln.runtime.parallel;

/**
 * Chooses between two ways of doing the same work by the time each took lately: a run of {@link #RUN_CALLS} calls the
 * way that won last, then a trial of {@link #TRIAL_CALLS} calls the other way, then whichever of the two had the lower
 * mean time per call wins the next run. For choices whose cost depends on the machine's state rather than on the work
 * (how far apart the host has placed the cores that a split hands work between), and only between ways that give the
 * same results, since a call cannot know which it gets. While the state holds, at most one call in seventeen takes the
 * slower way. Not thread-safe: one caller at a time, as {@link ParallelInference} serves.
 */
final class FasterOfTwo {
  /** Calls a run takes the way that won, before the other is tried again. */
  static final int RUN_CALLS = 1024;
  /** Calls a trial of the other way takes. */
  static final int TRIAL_CALLS = 64;

  /** The way the next call takes: the second where true. */
  private boolean second;
  /** Whether the calls now are a trial of the way that lost. */
  private boolean trying;
  private int calls;
  private long nanos;
  /** The mean time per call of the last run. */
  private double runMean;

  /** Whether the next call should take the second way (the first way starts). */
  boolean second() {
    return second;
  }

  /** Records that the call just made, the way {@link #second} said, took {@code nanos}, and moves on. */
  void record(long nanos) {
    this.nanos += nanos;
    calls++;
    if (calls < (trying ? TRIAL_CALLS : RUN_CALLS)) {
      return;
    }
    double mean = (double) this.nanos / calls;
    this.calls = 0;
    this.nanos = 0;
    if (trying) {
      // The trial's way wins the next run only if it was faster.
      if (mean >= runMean) {
        second = !second;
      }
      trying = false;
    } else {
      runMean = mean;
      second = !second;
      trying = true;
    }
  }
}
