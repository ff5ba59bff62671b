package dev.kiln.runtime.kernel;

/**
 * The opt-in kernels written with the JDK's incubating Vector API ({@code jdk.incubator.vector}), for the layers
 * where they win clearly; everything else, and everything by default, runs the generated loops, which need no flags.
 *
 * <p>Turned on with {@code -Dkiln.vector=true} together with {@code --add-modules jdk.incubator.vector} on the
 * {@code java} command. Asking for it without the module is a configuration error, reported when the first network
 * runs. The vector kernels sum in another order than the generated loops (fused multiply-adds, other groupings), so
 * results differ from the default path by a few units in the last place.
 *
 * <p>This class names no Vector API type, so that code compiled against it (generated networks) needs no module
 * flag; {@link VectorDense}, which does, is loaded only when a vector kernel first runs.
 */
public final class VectorBackend {
  /** The system property that turns the vector kernels on. */
  public static final String PROPERTY = "kiln.vector";

  /** Whether the vector kernels are on, read once per JVM. */
  public static final boolean ENABLED = enabled();

  private VectorBackend() {}

  private static boolean enabled() {
    if (!Boolean.getBoolean(PROPERTY)) {
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      throw new IllegalStateException("-D" + PROPERTY + "=true needs the JDK's incubating Vector API: add"
          + " --add-modules jdk.incubator.vector to the java command, or drop -D" + PROPERTY);
    }
    return true;
  }

  /**
   * A dense layer's forward pass over a batch: {@code y[n][o] = b[o] + sum over k of x[n][k] * wt[k * out + o]},
   * with {@code wt} the transposed weight in one flat array (see {@link Packing#transposeFlat}) and {@code b} null for
   * no bias.
   */
  public static void denseForward(float[] x, float[] wt, float[] b, float[] y, int batch, int in, int out) {
    VectorDense.forward(x, wt, b, y, batch, in, out);
  }
}
