package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * {@link AlignedArena} allocates at the start of a G1 region where it can (its arrays' place itself is not visible
 * to plain Java; what it buys was measured, see {@code docs/performance.md}, "Aligned accumulators") and plain
 * arrays elsewhere.
 */
class AlignedArenaTest {
  private static final HotSpotDiagnosticMXBean FLAGS =
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

  @Test
  void arraysAreZeroedAndAtLeastAsLongAsAsked() {
    for (int floats : new int[] {0, 1, 1099, 3211, 1 << 20}) {
      float[] arena = AlignedArena.allocate(floats);
      assertThat(arena.length).isAtLeast(floats);
      for (float f : arena) {
        if (f != 0f) {
          throw new AssertionError("not zeroed");
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> AlignedArena.allocate(-1));
  }

  @Test
  void underG1EveryArrayIsHumongousElsewhereAsLongAsAsked() {
    boolean g1 = Boolean.parseBoolean(FLAGS.getVMOption("UseG1GC").getValue());
    assertThat(AlignedArena.regionAligned()).isEqualTo(g1);
    float[] arena = AlignedArena.allocate(100);
    if (g1) {
      // G1 gives an object a region of its own when it is larger than half a region.
      long region = Long.parseLong(FLAGS.getVMOption("G1HeapRegionSize").getValue());
      assertThat(16L + 4L * arena.length).isGreaterThan(region / 2);
    } else {
      assertThat(arena.length).isEqualTo(100);
    }
  }

  /**
   * The branch for other collectors, which a test JVM under G1 never takes: a child JVM with the parallel collector
   * gets plain arrays of the length asked.
   */
  @Test
  void underAnotherCollectorArraysAreAsLongAsAsked() throws Exception {
    Process child = new ProcessBuilder(
            java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseParallelGC",
            "-cp", System.getProperty("java.class.path"), OtherCollector.class.getName())
        .redirectErrorStream(true)
        .start();
    String output = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(output.trim()).isEqualTo("regionAligned=false length=1099");
  }

  /** The child JVM of {@link #underAnotherCollectorArraysAreAsLongAsAsked}. */
  static final class OtherCollector {
    public static void main(String[] args) {
      System.out.println("regionAligned=" + AlignedArena.regionAligned() + " length="
          + AlignedArena.allocate(1099).length);
    }
  }

  @Test
  void theFirstIndexIsFourBytesBeforeALineInARegionAlignedArray() {
    // HotSpot's float array header with compressed class pointers is 16 bytes; index FIRST then ends 64 bytes in.
    assertThat((16 + 4 * AlignedArena.FIRST) % 64).isEqualTo(60);
  }
}
