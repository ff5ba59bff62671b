package dev.kiln.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.parallel.WorkerPool;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link ShardBalance}'s cuts, and a balanced {@link BatchEngine}'s gradients. */
class ShardBalanceTest {
  /** The balancer's cut of a batch of {@code n}, or the even cut {@code BatchEngine} makes where it declines. */
  private static int[] cut(ShardBalance balance, int n, int shards) {
    int[] starts = new int[shards + 1];
    if (!balance.split(n, starts)) {
      for (int t = 0; t <= shards; t++) {
        starts[t] = (int) ((long) t * n / shards);
      }
    }
    return starts;
  }

  /**
   * Steps of a batch of {@code n} in which shard {@code t} takes {@code perSample[t]} nanoseconds a sample plus
   * {@code fixed[t]}, and the step waits for the slowest shard plus {@code stepFixed[t]} for each shard's share (a
   * cost the shards' own times do not show); the cut after them.
   */
  private static int[] run(ShardBalance balance, int n, int steps, long[] perSample, long[] fixed, long[] hidden) {
    int shards = perSample.length;
    int[] starts = cut(balance, n, shards);
    for (int s = 0; s < steps; s++) {
      long slowest = 0;
      for (int t = 0; t < shards; t++) {
        int share = starts[t + 1] - starts[t];
        long took = fixed[t] + perSample[t] * share;
        balance.record(t, took);
        slowest = Math.max(slowest, took + hidden[t] * share);
      }
      balance.recordStep(slowest);
      starts = cut(balance, n, shards);
    }
    return starts;
  }

  private static int[] run(ShardBalance balance, int n, int steps, long... perSample) {
    return run(balance, n, steps, perSample, new long[perSample.length], new long[perSample.length]);
  }

  @Test
  void startsEvenOnGrainsAndWaitsForAWindow() {
    ShardBalance balance = new ShardBalance(3, 33);
    assertThat(cut(balance, 64, 3)).isEqualTo(new int[] {0, 20, 44, 64});
    assertThat(run(balance, 64, ShardBalance.STEPS - 1, 10_000, 30_000, 10_000)).isEqualTo(new int[] {0, 20, 44, 64});
    // Shard 1 three times as slow a sample: at the window's end a grain goes to the fastest shard, shard 0 (the
    // first of two equally fast).
    assertThat(run(balance, 64, 1, 10_000, 30_000, 10_000)).isEqualTo(new int[] {0, 24, 44, 64});
  }

  @Test
  void equalSpeedsKeepTheCut() {
    ShardBalance balance = new ShardBalance(2, 48);
    assertThat(run(balance, 64, 400, 10_000, 10_000)).isEqualTo(new int[] {0, 32, 64});
    // A gap smaller than two grains of the faster shard's time (8/32 of it) moves nothing.
    ShardBalance close = new ShardBalance(2, 48);
    assertThat(run(close, 64, 400, new long[] {10_000, 10_000}, new long[] {0, 75_000}, new long[2]))
        .isEqualTo(new int[] {0, 32, 64});
  }

  @Test
  void grainsMoveToTheFasterThreadWhileTheStepGetsFaster() {
    // Thread 1 takes 1.5 times as long a sample: 32/32 -> 36/28 (step 480 -> 420 µs); then the gap, 60 µs, is below
    // two grains of the faster shard (80 µs), and the cut stays.
    ShardBalance balance = new ShardBalance(2, 48);
    assertThat(run(balance, 64, 400, 10_000, 15_000)).isEqualTo(new int[] {0, 36, 64});
    ShardBalance slowFirst = new ShardBalance(2, 48);
    assertThat(run(slowFirst, 64, 400, 15_000, 10_000)).isEqualTo(new int[] {0, 28, 64});
    // Twice as slow: 32/32 (gap 320 µs) -> 36/28 (200) -> 40/24 (80, under 2 grains of 40: 80), step 640 -> 400 µs.
    ShardBalance twice = new ShardBalance(2, 48);
    assertThat(run(twice, 64, 400, 10_000, 20_000)).isEqualTo(new int[] {0, 40, 64});
    // Between shards 0 and 2 of three, the middle shard keeps its size.
    ShardBalance three = new ShardBalance(3, 33);
    assertThat(run(three, 64, ShardBalance.STEPS, 20_000, 15_000, 10_000)).isEqualTo(new int[] {0, 16, 40, 64});
  }

  @Test
  void sharesStayWithinOneGrainAndTheLargestShare() {
    ShardBalance balance = new ShardBalance(2, 48);
    assertThat(run(balance, 64, 400, 1_000, 30_000)).isEqualTo(new int[] {0, 48, 64});
    ShardBalance other = new ShardBalance(2, 60);
    assertThat(run(other, 64, 800, 30_000_000, 1_000)).isEqualTo(new int[] {0, 4, 64});
  }

  @Test
  void aMoveThatDoesNotSpeedTheStepUpIsUndoneAndNotRetriedAtOnce() {
    // Shard 0 looks slower (a fixed 100 µs of its own), but each sample moved to shard 1 costs the step more than it
    // saves (a cost the shards' times do not show): the move is tried, undone, and tried again after the back-off.
    ShardBalance balance = new ShardBalance(2, 48);
    long[] perSample = {10_000, 10_000};
    long[] fixed = {100_000, 0};
    long[] hidden = {0, 10_000};
    int[] starts = cut(balance, 64, 2);
    int moved = 0;
    for (int s = 0; s < 40 * ShardBalance.STEPS; s++) {
      starts = run(balance, 64, 1, perSample, fixed, hidden);
      moved += starts[1] != 32 ? 1 : 0;
    }
    assertThat(starts[1]).isAnyOf(28, 32);
    // On trial for one window in every BACK_OFF + 2 at most.
    assertThat(moved).isAtMost(3 * ShardBalance.STEPS);
    assertThat(moved).isAtLeast(ShardBalance.STEPS);
  }

  @Test
  void theWindowAveragesItsSteps() {
    ShardBalance balance = new ShardBalance(2, 48);
    cut(balance, 64, 2);
    balance.record(0, 1_000_000);
    balance.record(0, 2_000_000);
    balance.record(0, 0); // no time says nothing
    assertThat(balance.meanNanos(0)).isWithin(1e-9).of(1_500_000);
    assertThat(balance.meanNanos(1)).isEqualTo(0);
    // One step far slower among eight is averaged out: 7 x 1.0 ms + 1 x 1.9 ms against 8 x 1.1 ms moves nothing.
    ShardBalance spike = new ShardBalance(2, 48);
    int[] starts = cut(spike, 64, 2);
    for (int s = 0; s < ShardBalance.STEPS; s++) {
      spike.record(0, s == 3 ? 1_900_000 : 1_000_000);
      spike.record(1, 1_100_000);
      spike.recordStep(1_200_000);
      starts = cut(spike, 64, 2);
    }
    assertThat(starts).isEqualTo(new int[] {0, 32, 64});
  }

  @Test
  void anOddBatchIsCutEvenlyAndKeepsTheLearnedCut() {
    ShardBalance balance = new ShardBalance(2, 48);
    int[] learned = run(balance, 64, 400, 10_000, 30_000);
    assertThat(learned).isEqualTo(new int[] {0, 48, 64});
    // An epoch's last batch of 40: even, and its times left out of the window.
    assertThat(cut(balance, 40, 2)).isEqualTo(new int[] {0, 20, 40});
    double before = balance.meanNanos(1);
    balance.record(1, 1_000);
    balance.recordStep(50_000_000);
    assertThat(balance.meanNanos(1)).isEqualTo(before);
    assertThat(cut(balance, 64, 2)).isEqualTo(learned);
  }

  @Test
  void aNewBatchSizeStartsEvenAndSmallBatchesStayEven() {
    ShardBalance balance = new ShardBalance(2, 48);
    assertThat(run(balance, 64, 100, 10_000, 30_000)).isNotEqualTo(new int[] {0, 32, 64});
    // STEPS batches in a row of 40 make it the size, whose cut is then learned from even.
    for (int s = 1; s < ShardBalance.STEPS; s++) {
      assertThat(cut(balance, 40, 2)).isEqualTo(new int[] {0, 20, 40});
    }
    assertThat(run(balance, 40, ShardBalance.STEPS - 1, 10_000, 30_000)).isEqualTo(new int[] {0, 20, 40});
    assertThat(run(balance, 40, 1, 10_000, 30_000)).isEqualTo(new int[] {0, 24, 40});
    ShardBalance small = new ShardBalance(2, 48);
    assertThat(run(small, 15, 100, 10_000, 30_000)).isEqualTo(new int[] {0, 7, 15});
  }

  /**
   * A batch cut unevenly gives the gradient and loss of one cut evenly, up to the rounding of the sums, whether the
   * first layer is split by outputs or not.
   */
  @Test
  void anUnevenCutGivesTheSameGradient() {
    Dataset data = TrainerTest.blobs(40, 6);
    Batch batch = Batch.ofLabels(data.shape(), data.features(), data.labels());
    for (int threads : new int[] {2, 3}) {
      for (boolean splittable : new boolean[] {false, true}) {
        LinearModel even = splittable ? LinearModel.splittable(2, 96, 3, false) : new LinearModel(2, 3, 3);
        LinearModel uneven = splittable ? LinearModel.splittable(2, 96, 3, false) : new LinearModel(2, 3, 3);
        even.train();
        uneven.train();
        try (WorkerPool pool = new WorkerPool(threads, "balance-test")) {
          BatchEngine evenEngine = new BatchEngine(even, 40, pool, false, false);
          BatchEngine unevenEngine = new BatchEngine(uneven, 40, pool, false, true);
          assertThat(evenEngine.shardBalance()).isNull();
          // Thread 0 measured as three times as slow a sample as the others: grains move away from it.
          long[] perSample = new long[threads];
          Arrays.fill(perSample, 100_000_000L);
          perSample[0] = 300_000_000L;
          run(unevenEngine.shardBalance(), 40, 10 * ShardBalance.STEPS, perSample);
          double evenLoss = evenEngine.train(batch, new SoftmaxCrossEntropy(), true);
          double unevenLoss = unevenEngine.train(batch, new SoftmaxCrossEntropy(), true);
          String what = threads + " threads, split " + splittable;
          assertWithMessage("even cut, %s", what).that(evenEngine.shardStart(1)).isEqualTo(40 / threads);
          assertWithMessage("uneven cut, %s", what).that(unevenEngine.shardStart(1)).isLessThan(40 / threads);
          assertWithMessage("cut on a grain, %s", what).that(unevenEngine.shardStart(1) % ShardBalance.GRAIN)
              .isEqualTo(0);
          assertWithMessage("batch end, %s", what).that(unevenEngine.shardStart(threads)).isEqualTo(40);
          assertWithMessage("loss, %s", what).that(unevenLoss).isWithin(1e-6).of(evenLoss);
          for (int i = 0; i < even.parameters().size(); i++) {
            Parameter p = even.parameters().get(i);
            float[] expected = p.grad();
            float[] actual = uneven.parameters().get(i).grad();
            assertWithMessage("%s gradient, %s", p.name(), what).that(actual.length).isEqualTo(expected.length);
            for (int j = 0; j < expected.length; j++) {
              assertWithMessage("%s gradient [%s], %s", p.name(), j, what).that(actual[j])
                  .isWithin(1e-6f).of(expected[j]);
            }
            assertWithMessage("%s gradient, %s", p.name(), what)
                .that(Arrays.equals(actual, new float[actual.length])).isFalse();
          }
        }
      }
    }
  }
}
