package dev.kiln.runtime.kernel;

/**
 * Elementwise sums and products over the first {@code n} values of flat arrays: for residual connections, the
 * forward sum of a layer's output and its skip input and the backward accumulation of the sum's gradient into the
 * skip source's; for masks (dropout, randomized ReLU), the product of a gradient and the mask.
 */
public final class Elementwise {
  private Elementwise() {}

  /** {@code y = a + b}; {@code y} may be {@code a} or {@code b}. */
  public static void add(float[] a, float[] b, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      y[i] = a[i] + b[i];
    }
  }

  /** {@code y = a * b}, as a dropout's backward applies its mask. */
  public static void multiply(float[] a, float[] b, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      y[i] = a[i] * b[i];
    }
  }

  /** {@code dst += src}. */
  public static void addTo(float[] src, float[] dst, int n) {
    for (int i = 0; i < n; i++) {
      dst[i] += src[i];
    }
  }
}
