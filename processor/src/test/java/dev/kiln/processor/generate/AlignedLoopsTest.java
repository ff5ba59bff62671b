package dev.kiln.processor.generate;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.processor.plan.NetworkPlan;
import dev.kiln.runtime.kernel.AlignedArena;
import org.junit.jupiter.api.Test;

/** The layout of the aligned dense loops' rows and arena slots (see {@code Methods.slot} and {@code AlignedArena}). */
class AlignedLoopsTest {
  @Test
  void theProcessorsRowStartIsTheRuntimes() {
    assertThat(Methods.ROW_START).isEqualTo(AlignedArena.FIRST);
    assertThat(NetworkPlan.ALIGNED_ROW_START).isEqualTo(AlignedArena.FIRST);
  }

  @Test
  void boundsLeaveOneScalarIterationBeforeWholeVectors() {
    for (int length = 1; length <= 1000; length++) {
      int bound = Methods.alignedBound(length);
      assertThat(bound).isAtLeast(length);
      assertThat(bound).isLessThan(length + 16);
      // One pre-loop iteration, then vectors of 16 (or 8) floats to the end.
      assertThat((bound - 1) % 16).isEqualTo(0);
      assertThat(NetworkPlan.alignedRowFloats(length)).isEqualTo(Methods.ROW_START + bound);
    }
  }

  @Test
  void slotsShareOnePlaceInALineAndDoNotOverlap() {
    for (int length = 1; length <= 1000; length++) {
      int previousEnd = 0;
      for (int t = 0; t < Methods.TARGETS_PER_GROUP; t++) {
        int slot = Methods.slot(t, length);
        assertThat(slot % 16).isEqualTo(Methods.ROW_START);
        assertThat(slot).isAtLeast(previousEnd);
        // The loop runs to the bound, padding included.
        previousEnd = slot + Methods.alignedBound(length);
      }
      assertThat(Methods.valuesStart(length)).isAtLeast(previousEnd);
    }
  }

  @Test
  void groupValuesLieAfterTheSlotsAndInsideTheArena() {
    // That the values start after the last slot's end: slotsShareOnePlaceInALineAndDoNotOverlap.
    for (int length = 1; length <= 1000; length++) {
      assertThat(Methods.groupArenaFloats(length)).isEqualTo(
          Methods.valuesStart(length) + Methods.TARGETS_PER_GROUP * Methods.VALUES_PER_CHUNK);
    }
    // Whole passes per chunk, and a chunk holds a forward block of inputs (DenseCode.alignedInputBlock).
    assertThat(Methods.VALUES_PER_CHUNK % Methods.ALIGNED_ROWS_PER_GROUP_PASS).isEqualTo(0);
    assertThat(Methods.VALUES_PER_CHUNK).isAtLeast(256);
  }
}
