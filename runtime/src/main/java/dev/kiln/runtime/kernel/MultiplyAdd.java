package dev.kiln.runtime.kernel;

/**
 * The multiply-add of the generated kernels' inner loops: {@code a * b + c}, fused into one instruction where the
 * processor has one.
 *
 * <p>Generated loops update a row with several products per pass, {@code s[i] = madd(v1, r1[i], madd(v0, r0[i],
 * s[i]))}. C2 vectorises {@link Math#fma} into fused multiply-add vector instructions when the JVM uses the
 * processor's FMA unit ({@code -XX:+UseFMA}, on by default wherever the processor has one: x86 since 2013, every
 * 64-bit ARM), which halves the arithmetic instructions of those loops and rounds once instead of twice. Where the
 * JVM does not use one, {@code Math.fma} falls back to a scalar computation in double precision, about twenty times
 * slower than the vectorised multiply and add; so this class asks the JVM once, and {@link #FUSED}, a constant to
 * C2, picks the plain multiply and add there. Either way the generated code is the same and allocates nothing.
 *
 * <p>{@code -Dkiln.fma=false} forces the plain multiply and add (bit-identical to Kiln before fused multiply-adds),
 * {@code -Dkiln.fma=true} forces {@code Math.fma}; without the property the JVM's {@code UseFMA} flag decides,
 * read through the JDK's {@code HotSpotDiagnosticMXBean} when the first network runs (about 30 ms, once). A JVM
 * without that bean (not HotSpot, or a runtime image without {@code jdk.management}) gets the plain multiply and
 * add unless the property asks otherwise.
 */
public final class MultiplyAdd {
  /** The system property that forces the choice: {@code true} or {@code false}. */
  public static final String PROPERTY = "kiln.fma";

  /** Whether {@link #madd} is a fused multiply-add; read once per JVM. */
  public static final boolean FUSED = fused();

  private MultiplyAdd() {}

  /** {@code a * b + c}: one fused multiply-add, rounded once, where {@link #FUSED}; else a multiply and an add. */
  public static float madd(float a, float b, float c) {
    return FUSED ? Math.fma(a, b, c) : a * b + c;
  }

  private static boolean fused() {
    String forced = HotSpotOptions.forcedChoice(PROPERTY, "true", "false");
    if (forced != null) {
      return forced.equals("true");
    }
    // Where the JVM does not say (not HotSpot), the plain multiply and add is right everywhere.
    return Boolean.parseBoolean(HotSpotOptions.value("UseFMA"));
  }
}
