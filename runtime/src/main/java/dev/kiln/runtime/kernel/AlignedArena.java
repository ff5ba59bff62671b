package dev.kiln.runtime.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Scratch arrays whose place in memory the generated loops can count on: where the JVM collects garbage with G1 (its
 * default on any machine with two or more CPUs and 2 GB), an array of at least half a heap region is "humongous": it
 * starts at the start of a region of its own, a multiple of the region size (1 to 32 MB), and G1 (JDK 17) never moves
 * it. Its floats then lie at known offsets within 64-byte cache lines: with HotSpot's 16-byte array header, index
 * {@link #FIRST} is 4 bytes before a line boundary.
 *
 * <p>Why that matters: C2 (JDK 17) compiles a vectorised loop as a scalar pre-loop that runs until the array it
 * stores to reaches a vector boundary (at least once), the vector loop, and a scalar post-loop for what is left. Over
 * a row of 256 floats with 16-float vectors that is 16 scalar iterations for 15 or 16 vector ones, wherever the row
 * lies, and a scalar iteration of a row update costs about what a vector one does. A loop that stores to index {@code
 * FIRST + i} of such an array, {@code i} from 0 to {@code n + 1} for {@code n} a multiple of 16, runs one scalar
 * iteration before its vectors and none after: a two-row update into four accumulator rows of 256 floats (the MLP's
 * first layer's forward pass) ran 1.4 to 1.6 times as fast so (scratch harness, AMD Zen 5, AVX-512). C2 also keeps a
 * loop scalar unless every array in it is indexed at the same offset within a vector, so every row such a loop reads
 * holds its data from {@code FIRST} as well.
 *
 * <p>Under another collector, or on another JVM, {@link #allocate} returns a plain array of the length asked: the same
 * loops, their results the same bits, at whatever speed the array's place gives them.
 */
public final class AlignedArena {
  /**
   * The index of the first float of every row the aligned loops touch, in the arena and in the rows they read: 4
   * bytes before a 64-byte boundary in a region-aligned array (16-byte header + 11 * 4 bytes = 60), so that C2's
   * pre-loop runs once. Generated code writes this value as a literal; the processor's {@code AlignedLoopsTest} checks
   * they agree.
   */
  public static final int FIRST = 11;

  /** The smallest array this JVM's G1 allocates at the start of a region, in floats, or 0 if G1 is not in use. */
  private static final int HUMONGOUS_FLOATS = humongousFloats();

  private AlignedArena() {}

  /**
   * A zeroed array of at least {@code floats} floats, at the start of a heap region where the JVM uses G1 (then as
   * long as half a region, at least, so that G1 places it there: 2 MB with this machine's 4 MB regions).
   */
  public static float[] allocate(int floats) {
    if (floats < 0) {
      throw new IllegalArgumentException("negative length: " + floats);
    }
    return new float[Math.max(floats, HUMONGOUS_FLOATS)];
  }

  /** Whether {@link #allocate} places its arrays at the start of a heap region in this JVM. */
  public static boolean regionAligned() {
    return HUMONGOUS_FLOATS > 0;
  }

  /**
   * G1's humongous threshold in floats: an object larger than half a region goes to a region of its own. Read from
   * the JVM's flags through its diagnostic bean (part of the JDK's {@code jdk.management} module); 0 where that
   * bean or G1 is absent.
   */
  private static int humongousFloats() {
    try {
      HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (bean == null || !Boolean.parseBoolean(bean.getVMOption("UseG1GC").getValue())) {
        return 0;
      }
      long region = Long.parseLong(bean.getVMOption("G1HeapRegionSize").getValue());
      // Over half a region in bytes, header included: half a region's floats is more than enough.
      long floats = region / 2 / Float.BYTES + 1;
      return floats > Integer.MAX_VALUE / 2 ? 0 : (int) floats;
    } catch (RuntimeException | LinkageError e) {
      // No such bean or flag on this JVM: plain arrays, whose place is unknown.
      return 0;
    }
  }
}
