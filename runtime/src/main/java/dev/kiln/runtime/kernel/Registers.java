package dev.kiln.runtime.kernel;

/**
 * How many float registers C2 has, for kernels that keep many sums in locals: 32 on x86 with AVX-512 (EVEX encodes
 * {@code xmm16} to {@code xmm31}) and on AArch64, 16 on x86 without it. A kernel that keeps more sums than there are
 * registers spills them to the stack on every step, so the generated code picks the width of such a pass from this
 * constant, which C2 folds: the branch not taken costs nothing.
 */
public final class Registers {
  /** The system property that forces the answer: {@code 16} or {@code 32}. */
  public static final String PROPERTY = "kiln.registers";

  /** Whether C2 has 32 float registers rather than 16; read once per JVM. */
  public static final boolean MANY = many();

  private Registers() {}

  private static boolean many() {
    String forced = HotSpotOptions.forcedChoice(PROPERTY, "16", "32");
    if (forced != null) {
      return forced.equals("32");
    }
    String arch = System.getProperty("os.arch", "");
    if (arch.equals("aarch64")) {
      return true;
    }
    if (!arch.equals("amd64") && !arch.equals("x86_64")) {
      return false;
    }
    // Where the JVM does not say (not HotSpot), sixteen is the safe guess: more sums would spill.
    String avx = HotSpotOptions.value("UseAVX");
    return avx != null && avx.matches("[0-9]+") && Integer.parseInt(avx) >= 3;
  }
}
