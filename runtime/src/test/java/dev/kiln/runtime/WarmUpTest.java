package dev.kiln.runtime;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WarmUpTest {
  private static final int SIZE = 50;

  @Test
  void batchSizesCoverTheGroupLeftoversTheSharedPathsAndTheLargest() {
    assertThat(WarmUp.batchSizes(1)).containsExactly(1);
    assertThat(WarmUp.batchSizes(3)).containsExactly(1, 2, 3).inOrder();
    assertThat(WarmUp.batchSizes(6)).containsExactly(1, 2, 3, 4, 5, 6).inOrder();
    assertThat(WarmUp.batchSizes(16)).containsExactly(1, 2, 3, 4, 5, 8, 16).inOrder();
    assertThat(WarmUp.batchSizes(64)).containsExactly(1, 2, 3, 4, 5, 8, 16, 64).inOrder();
  }

  @Test
  void roundsAreFlatWithinFifteenPercentOfEachOther() {
    assertThat(WarmUp.flat(new double[] {10, 11, 11.4})).isTrue();
    assertThat(WarmUp.flat(new double[] {11.5, 10, 10})).isTrue();
    assertThat(WarmUp.flat(new double[] {10, 12, 10})).isFalse();
    assertThat(WarmUp.flat(new double[] {0, 10, 10})).isFalse(); // fewer rounds than it takes
  }

  @Test
  void eachKindOfSampleHasItsValues() {
    float[] x = WarmUp.inputs(1000, WarmUp.KINDS, 0);
    for (int kind = 0; kind < WarmUp.KINDS; kind++) {
      int zeros = 0;
      int negatives = 0;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = kind * 1000; i < (kind + 1) * 1000; i++) {
        zeros += x[i] == 0f ? 1 : 0;
        negatives += x[i] < 0f ? 1 : 0;
        max = Math.max(max, Math.abs(x[i]));
      }
      assertThat(max).isAtMost(1f);
      switch (kind) {
        case 0 -> {
          assertThat(zeros).isLessThan(5);
          assertThat(negatives).isEqualTo(0);
        }
        case 1 -> assertThat(negatives).isIn(com.google.common.collect.Range.closed(400, 600));
        case 2 -> assertThat(zeros).isIn(com.google.common.collect.Range.closed(400, 600));
        case 3 -> assertThat(zeros).isIn(com.google.common.collect.Range.closed(850, 950));
        default -> assertThat(zeros).isEqualTo(1000);
      }
    }
    // The kinds rotate from the first one asked for.
    float[] fromTwo = WarmUp.inputs(1000, 2, 4);
    for (int i = 0; i < 1000; i++) {
      assertThat(fromTwo[i]).isEqualTo(0f);
    }
  }

  @Test
  void callsEveryBatchSizeAndShowsASampleOfEveryKindAlone() {
    List<Integer> batches = new ArrayList<>();
    Set<Integer> kindsAlone = new HashSet<>();
    WarmUp.Report report = WarmUp.run((input, batch) -> {
      assertThat(input.length).isAtLeast(batch * SIZE);
      batches.add(batch);
      if (batch == 1) {
        kindsAlone.add(kindOf(input));
      }
      return input;
    }, SIZE, 20, Duration.ofMillis(400));

    assertThat(new HashSet<>(batches)).containsExactly(1, 2, 3, 4, 5, 8, 16, 20);
    assertThat(kindsAlone).containsExactly(0, 1, 2, 3, 4);
    assertThat(report.calls()).isEqualTo(batches.size());
    assertThat(report.samples()).isEqualTo(batches.stream().mapToLong(Integer::longValue).sum());
    assertThat(report.nanosPerSample()).isGreaterThan(0.0);
  }

  @Test
  void stopsWhenTheBudgetIsSpentAndSaysItDidNotSettle() {
    long start = System.nanoTime();
    WarmUp.Report report = WarmUp.run((input, batch) -> {
      sleep(5);
      return input;
    }, SIZE, 1, Duration.ofMillis(100));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    // Three idle rounds of 50 ms cannot fit in 100 ms.
    assertThat(report.settled()).isFalse();
    assertThat(tookMillis).isLessThan(1_000);
    assertThat(report.elapsed().toMillis()).isAtLeast(100);
    assertThat(report.calls()).isIn(com.google.common.collect.Range.closed(5L, 25L));
  }

  @Test
  void doesNotSettleBeforeItsCallCountHoweverIdleTheJit() {
    // A millisecond a call: the JIT is idle and the time flat after a round or two, but a second holds fewer calls
    // than a warm-up makes before it may stop (a compilation in progress does not show on the JIT's timer).
    WarmUp.Report report = WarmUp.run((input, batch) -> {
      sleep(1);
      return input;
    }, SIZE, 1, Duration.ofSeconds(1));

    assertThat(report.calls()).isLessThan((long) WarmUp.MIN_CALLS);
    assertThat(report.settled()).isFalse();
    assertThat(report.elapsed().toMillis()).isAtLeast(1_000);
  }

  @Test
  void settlesOnACallTheJitHasLongCompiled() {
    // A trivial call: the JIT compiles it within the first rounds and then stays idle, so the warm-up settles
    // long before its budget (unless the test JVM's compiler is busy elsewhere for the whole minute).
    WarmUp.Report report = WarmUp.run((input, batch) -> input, SIZE, 4, Duration.ofSeconds(60));
    assertThat(report.settled()).isTrue();
    assertThat(report.elapsed()).isLessThan(Duration.ofSeconds(60));
    assertThat(report.toString()).contains("settled");
  }

  @Test
  void refusesNonsense() {
    WarmUp.Inference identity = (input, batch) -> input;
    assertThrows(IllegalArgumentException.class, () -> WarmUp.run(identity, 0, 1, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> WarmUp.run(identity, 10, 0, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> WarmUp.run(identity, 10, 1, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> WarmUp.run(identity, 10, 1, Duration.ofMillis(-1)));
  }

  @Test
  void anExceptionFromTheCallReachesTheCaller() {
    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> WarmUp.run((input, batch) -> {
          throw new IllegalStateException("broken network");
        }, SIZE, 1, Duration.ofSeconds(1)));
    assertThat(thrown).hasMessageThat().isEqualTo("broken network");
  }

  /** The kind of the first sample of a made-up input, from its values. */
  private static int kindOf(float[] input) {
    int zeros = 0;
    boolean negative = false;
    for (int i = 0; i < SIZE; i++) {
      zeros += input[i] == 0f ? 1 : 0;
      negative |= input[i] < 0f;
    }
    if (zeros == SIZE) {
      return 4;
    }
    if (negative) {
      return 1;
    }
    if (zeros >= SIZE * 3 / 4) {
      return 3;
    }
    return zeros >= SIZE / 5 ? 2 : 0;
  }

  private static void sleep(int millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
