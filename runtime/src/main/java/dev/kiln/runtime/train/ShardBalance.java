package dev.kiln.runtime.train;

/**
 * Sizes the shards of a training batch from how long each thread took over its last ones ({@code
 * Trainer.Builder.balanceThreads}): a grain of samples at a time moves from the shard that finishes last to the one
 * that finishes first, and stays moved only if the step then finishes sooner.
 *
 * <p>Why: a data-parallel step waits for its slowest shard. On a virtual machine whose cores are shared with other
 * guests, one core can run at two thirds of the other's speed for seconds at a time, and which core that is changes
 * (seen on the 2-vCPU hosts Kiln's figures come from: the 2-thread LeNet-5 step's two halves took about 1.4 and 2.0
 * ms where each took 1.4 when neither core was slowed). With halves fixed, the faster thread then idles for a third
 * of the step.
 *
 * <p>How: each shard's forward and backward time is averaged over a window of {@link #STEPS} steps with one cut. At a
 * window's end, where the slowest shard's average exceeds the fastest's by more than two grains of the fastest's
 * samples would take it (its time per sample times {@link #GRAIN}, twice: a gap that only noise opened is rarely that
 * wide, while a core at two thirds of the other's speed opens one of a third), a grain moves from the one to the other,
 * on trial: if the next window's steps (the shards' part of each, as the caller waited for it: {@link #recordStep}) are
 * not at least {@link #GAIN} faster on average than before, the grain moves back and that move is not tried again for
 * {@link #BACK_OFF} windows. The trial is there because what the shards' own times say is not always what the step
 * waits for (a shard's thread may start late, a larger shard may cost more than its samples); with moves at a gap of
 * one grain, first without the trial and then with it, the MLP's 2-thread step read 12% and then 6% slower than even
 * halves (within what two instances of one configuration differ by there, but no gain). Windows, because one step's
 * time on such a host wanders by more than a grain's worth. The cuts fall on multiples of {@link #GRAIN} samples (the
 * convolutions lay up to four samples' columns side by side, so a multiple of four keeps every group whole); each share
 * is at least one grain and at most {@code maxShare} (what each shard's workspace holds). A batch of another size is
 * cut evenly and leaves the cut and its window as they are (an epoch's last batch is often smaller), unless {@link
 * #STEPS} batches in a row come in the new size: then the cut starts again from even (on grains) for that size. Batches
 * too small to give every shard two grains are always cut evenly.
 *
 * <p>The price: which samples a shard sums changes with timing, and with it the rounding of the summed gradients,
 * so a balanced run does not repeat bit for bit; the gradient is the same sum in another order.
 *
 * <p>Threads: {@link #record} is called by each shard's thread for its own shard, {@link #split} between steps by
 * the caller, after the worker pool's hand-off has ordered the shards' writes before it.
 */
final class ShardBalance {
  /** Cuts fall on multiples of this many samples, and a move shifts this many. */
  static final int GRAIN = 4;
  /** Steps in a window: the steps with one cut whose times decide a move. */
  static final int STEPS = 16;
  /** How much sooner a window's slowest shard must finish after a move for the move to stay. */
  static final double GAIN = 0.05;
  /** Windows in which a move that did not pay is not tried again. */
  static final int BACK_OFF = 16;

  private final int shards;
  private final int maxShare;
  /** The current cut: shard {@code t} takes samples {@code cut[t]..cut[t + 1]-1} of a batch of {@code size}. */
  private final int[] cut;
  private int size = -1;
  /** Batches in a row of another size than {@code size}; whether the batch in flight counts in the window. */
  private int otherSize;
  private boolean measuring;
  /** Nanoseconds of each shard's forward and backward summed over the window so far. */
  private final long[] nanos;
  /** Steps each shard has recorded in the window so far. */
  private final int[] steps;
  /** The shards' part of each step of the window so far, as the caller waited for it: summed, and counted. */
  private long stepNanos;
  private int stepCount;
  /** The move on trial (its shards), or -1; the mean step in the window before it. */
  private int trialFrom = -1;
  private int trialTo = -1;
  private double trialBefore;
  /** A move that did not pay (its shards), and the windows left before it may be tried again. */
  private int failedFrom = -1;
  private int failedTo = -1;
  private int backOff;

  /**
   * @param maxShare the most samples one shard may take; at least an even share of the largest batch
   */
  ShardBalance(int shards, int maxShare) {
    if (shards < 1 || maxShare < 1) {
      throw new IllegalArgumentException("shards " + shards + ", max share " + maxShare);
    }
    this.shards = shards;
    this.maxShare = maxShare;
    this.cut = new int[shards + 1];
    this.nanos = new long[shards];
    this.steps = new int[shards];
  }

  /** Records that shard {@code t} ran its samples' forward and backward in {@code took} nanoseconds. */
  void record(int t, long took) {
    if (measuring && took > 0) {
      nanos[t] += took;
      steps[t]++;
    }
  }

  /**
   * Records the time from the start of a step's shards to the end of the last of them, as the caller waited for it.
   */
  void recordStep(long took) {
    if (measuring && took > 0) {
      stepNanos += took;
      stepCount++;
    }
  }

  /** Shard {@code t}'s mean time in the window so far, 0 if none (for tests and diagnostics). */
  double meanNanos(int t) {
    return steps[t] == 0 ? 0 : (double) nanos[t] / steps[t];
  }

  /**
   * Cuts a batch of {@code n} samples, after deciding on a move if a window has ended: shard {@code t} gets samples
   * {@code starts[t]..starts[t + 1]-1}. {@code starts} holds at least {@code shards + 1} values; {@code starts[0]}
   * is 0 and {@code starts[shards]} is {@code n}. Returns false, writing nothing, for a batch the caller is to cut
   * evenly (one too small to balance, or of another size than the one being balanced).
   */
  boolean split(int n, int[] starts) {
    if (size >= 0 && n != size && ++otherSize < STEPS) {
      // Another size for a step or a few (an epoch's last, smaller batch): the caller cuts it evenly, and this size's
      // cut and window stay as they are, its times out of them.
      measuring = false;
      return false;
    }
    measuring = true;
    otherSize = 0;
    boolean balances = shards > 1 && n >= 2 * GRAIN * shards;
    if (n != size) {
      size = n;
      for (int t = 1; t < shards; t++) { // even, on grains
        cut[t] = (int) Math.round((double) t * n / shards / GRAIN) * GRAIN;
      }
      cut[shards] = n;
      trialFrom = -1;
      failedFrom = -1;
      restart();
    } else if (balances && windowEnded()) {
      decide();
      restart();
    }
    if (!balances) {
      return false;
    }
    System.arraycopy(cut, 0, starts, 0, shards + 1);
    return true;
  }

  private boolean windowEnded() {
    if (stepCount < STEPS) {
      return false;
    }
    for (int t = 0; t < shards; t++) {
      if (steps[t] < STEPS) {
        return false;
      }
    }
    return true;
  }

  private void decide() {
    int slow = 0;
    int fast = 0;
    for (int t = 1; t < shards; t++) {
      slow = meanNanos(t) > meanNanos(slow) ? t : slow;
      fast = meanNanos(t) < meanNanos(fast) ? t : fast;
    }
    double step = (double) stepNanos / stepCount;
    if (trialFrom >= 0) {
      if (step > trialBefore * (1 - GAIN)) {
        shift(trialTo, trialFrom);
        failedFrom = trialFrom;
        failedTo = trialTo;
        backOff = BACK_OFF;
      }
      trialFrom = -1;
      return;
    }
    if (backOff > 0 && --backOff == 0) {
      failedFrom = -1;
    }
    int fastShare = cut[fast + 1] - cut[fast];
    int slowShare = cut[slow + 1] - cut[slow];
    boolean failedBefore = slow == failedFrom && fast == failedTo;
    if (slow == fast || failedBefore || meanNanos(slow) - meanNanos(fast) <= meanNanos(fast) / fastShare * 2 * GRAIN
        || slowShare < 2 * GRAIN || fastShare + GRAIN > maxShare) {
      return;
    }
    shift(slow, fast);
    trialFrom = slow;
    trialTo = fast;
    trialBefore = step;
  }

  /** Moves a grain from shard {@code from} to shard {@code to}; the shards between keep their sizes. */
  private void shift(int from, int to) {
    if (from < to) {
      for (int t = from + 1; t <= to; t++) {
        cut[t] -= GRAIN;
      }
    } else {
      for (int t = to + 1; t <= from; t++) {
        cut[t] += GRAIN;
      }
    }
  }

  private void restart() {
    java.util.Arrays.fill(nanos, 0);
    java.util.Arrays.fill(steps, 0);
    stepNanos = 0;
    stepCount = 0;
  }
}
