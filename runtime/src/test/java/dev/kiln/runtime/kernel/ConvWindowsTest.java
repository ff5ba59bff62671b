package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConvWindowsTest {
  @Test
  void startsFollowRowsThenColumns() {
    // 2x3 outputs, source rows 32 apart, stride 2 across.
    assertThat(ConvWindows.starts(2, 3, 32, 2)).asList().containsExactly(0, 2, 4, 32, 34, 36).inOrder();
  }

  @Test
  void startsMatchDivisionForLeNetFirstConvolution() {
    int[] starts = ConvWindows.starts(28, 28, 32, 1);
    assertThat(starts).hasLength(784);
    for (int p = 0; p < 784; p++) {
      assertThat(starts[p]).isEqualTo((p / 28) * 32 + p % 28);
    }
  }

  @Test
  void emptyOutputIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvWindows.starts(0, 4, 8, 1));
    assertThat(e).hasMessageThat().contains("0x4");
  }
}
