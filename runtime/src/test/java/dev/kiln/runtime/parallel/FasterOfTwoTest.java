package dev.kiln.runtime.parallel;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

class FasterOfTwoTest {
  /** Makes {@code count} calls, each taking {@code first} or {@code second} nanoseconds by the way it is told. */
  private static void calls(FasterOfTwo choice, int count, long first, long second) {
    for (int i = 0; i < count; i++) {
      choice.record(choice.second() ? second : first);
    }
  }

  @Test
  void keepsTheFasterWayAndTriesTheOtherNowAndThen() {
    FasterOfTwo choice = new FasterOfTwo();
    assertThat(choice.second()).isFalse();
    calls(choice, FasterOfTwo.RUN_CALLS - 1, 100, 200);
    assertThat(choice.second()).isFalse();
    calls(choice, 1, 100, 200);
    assertThat(choice.second()).isTrue(); // the trial of the other way
    calls(choice, FasterOfTwo.TRIAL_CALLS - 1, 100, 200);
    assertThat(choice.second()).isTrue();
    calls(choice, 1, 100, 200);
    assertThat(choice.second()).isFalse(); // slower: back to the first
    calls(choice, FasterOfTwo.RUN_CALLS, 100, 200);
    assertThat(choice.second()).isTrue(); // tried again
  }

  @Test
  void switchesWhenTheOtherWayBecomesFaster() {
    FasterOfTwo choice = new FasterOfTwo();
    calls(choice, FasterOfTwo.RUN_CALLS, 100, 200);
    calls(choice, FasterOfTwo.TRIAL_CALLS, 100, 200);
    assertThat(choice.second()).isFalse();
    // The machine changes: the first way now takes three times as long.
    calls(choice, FasterOfTwo.RUN_CALLS, 300, 200);
    calls(choice, FasterOfTwo.TRIAL_CALLS, 300, 200);
    assertThat(choice.second()).isTrue(); // the second won its trial and takes the run
    calls(choice, FasterOfTwo.RUN_CALLS - 1, 300, 200);
    assertThat(choice.second()).isTrue();
    calls(choice, 1, 300, 200);
    assertThat(choice.second()).isFalse(); // the first is tried again
    calls(choice, FasterOfTwo.TRIAL_CALLS, 300, 200);
    assertThat(choice.second()).isTrue(); // and loses
  }

  @Test
  void aTieKeepsTheWayOfTheRun() {
    FasterOfTwo choice = new FasterOfTwo();
    calls(choice, FasterOfTwo.RUN_CALLS + FasterOfTwo.TRIAL_CALLS, 100, 100);
    assertThat(choice.second()).isFalse();
  }
}
