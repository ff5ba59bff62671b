package dev.kiln.runtime.kernel;

/**
 * Elementwise sums and products over the first {@code n} values of flat arrays: for residual connections, the
 * forward sum of a layer's output and its skip input and the backward accumulation of the sum's gradient into the
 * skip source's; for masks (dropout, randomized ReLU), the product of a gradient and the mask.
 */
public final class Elementwise {
  private Elementwise() {}

  /** Values a {@link #firstNonFinite} pass takes at a time; the length of its scratch array. */
  public static final int FINITE_CHUNK = 2048;

  private static final float[] ZEROS = new float[FINITE_CHUNK];

  /**
   * The index of the first NaN or infinite value in {@code values[from, to)}, or -1 if every value there is finite;
   * {@code scratch} ({@link #FINITE_CHUNK} floats) is overwritten. A training step checks every gradient with this
   * (each thread its slices), so it must be cheap: a scalar test per value (C2 keeps {@code Float.isFinite} in a loop
   * scalar, and a branch per value) took 57 µs over the MLP's 235,146 gradients. Here each chunk is copied into the
   * scratch, turned into {@code x - x} in place (+0 for every finite {@code x}, NaN otherwise; a loop C2 vectorises,
   * its arrays indexed from 0 alike) and compared with zeros by {@code Arrays.mismatch} (vectorised by the JDK): 21
   * µs (scratch harness). Only a chunk that holds a non-finite value is scanned value by value, for the index.
   */
  public static int firstNonFinite(float[] values, int from, int to, float[] scratch) {
    for (int base = from; base < to; base += FINITE_CHUNK) {
      int len = Math.min(FINITE_CHUNK, to - base);
      System.arraycopy(values, base, scratch, 0, len);
      for (int i = 0; i < len; i++) {
        scratch[i] = scratch[i] - scratch[i];
      }
      if (java.util.Arrays.mismatch(scratch, 0, len, ZEROS, 0, len) >= 0) {
        for (int j = base; j < base + len; j++) {
          if (!Float.isFinite(values[j])) {
            return j;
          }
        }
      }
    }
    return -1;
  }

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
