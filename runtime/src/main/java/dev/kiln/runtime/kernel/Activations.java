package dev.kiln.runtime.kernel;

/**
 * Activation functions over the first {@code n} values of flat arrays, forward ({@code y = f(x)}) and backward
 * ({@code gx = g * f'(x)}, which may be computed in place: {@code gx == g}). Backward gets both the input {@code x}
 * and the output {@code y}, and uses whichever makes the derivative cheapest and most accurate. Softmax and
 * log-softmax act along channels: {@code batch} samples of {@code channels x positions} values, one distribution per
 * sample and position (PyTorch's {@code dim = 1}).
 */
public final class Activations {
  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  /** PyTorch's softplus returns x itself above this, where log1p(exp(x)) equals x in float. */
  private static final float SOFTPLUS_THRESHOLD = 20f;

  private Activations() {}

  public static void relu(float[] x, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      // Math.max, which C2 vectorises (a conditional expression stays a scalar branch); NaN passes, as in PyTorch.
      y[i] = Math.max(x[i], 0f);
    }
  }

  /** {@link #relu} in place on {@code x[from..from+n-1]} (a convolution's sums, in a row or a slot of the arena). */
  public static void reluInPlace(float[] x, int from, int n) {
    for (int i = from; i < from + n; i++) {
      x[i] = Math.max(x[i], 0f);
    }
  }

  public static void reluBackward(float[] x, float[] g, float[] gx, int n) {
    for (int i = 0; i < n; i++) {
      // g where x > 0, else +0, on the bits and without a branch: a trained network's ReLUs pass about half their
      // inputs in no predictable order, and the conditional expression compiled to a branch that the processor
      // mispredicted (8% of a Trainer.fit epoch of the MLP, JFR; this form ran at about 0.45 ns a value in a scratch
      // harness). x > 0 exactly when its bits, as an int, lie in (0, +Inf's]: keep is then all ones, and zero for
      // zeros of either sign, negatives and NaNs.
      int xb = Float.floatToRawIntBits(x[i]);
      int keep = ~(((0x7F800000 - xb) | (xb - 1)) >> 31);
      gx[i] = Float.intBitsToFloat(Float.floatToRawIntBits(g[i]) & keep);
    }
  }

  public static void leakyRelu(float[] x, float[] y, int n, float slope) {
    for (int i = 0; i < n; i++) {
      float v = x[i];
      y[i] = v > 0f ? v : v * slope;
    }
  }

  public static void leakyReluBackward(float[] x, float[] g, float[] gx, int n, float slope) {
    for (int i = 0; i < n; i++) {
      gx[i] = x[i] > 0f ? g[i] : g[i] * slope;
    }
  }

  public static void sigmoid(float[] x, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      y[i] = sigmoid(x[i]);
    }
  }

  public static void sigmoidBackward(float[] y, float[] g, float[] gx, int n) {
    for (int i = 0; i < n; i++) {
      float s = y[i];
      gx[i] = g[i] * s * (1f - s);
    }
  }

  public static void tanh(float[] x, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      y[i] = (float) Math.tanh(x[i]);
    }
  }

  public static void tanhBackward(float[] y, float[] g, float[] gx, int n) {
    for (int i = 0; i < n; i++) {
      float t = y[i];
      gx[i] = g[i] * (1f - t * t);
    }
  }

  public static void elu(float[] x, float[] y, int n, float alpha) {
    for (int i = 0; i < n; i++) {
      float v = x[i];
      y[i] = v > 0f ? v : (float) (alpha * Math.expm1(v));
    }
  }

  /** For x <= 0, {@code d/dx alpha (e^x - 1) = alpha e^x = y + alpha}. */
  public static void eluBackward(float[] x, float[] y, float[] g, float[] gx, int n, float alpha) {
    for (int i = 0; i < n; i++) {
      gx[i] = x[i] > 0f ? g[i] : g[i] * (y[i] + alpha);
    }
  }

  public static void softplus(float[] x, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[i];
      y[i] = v > SOFTPLUS_THRESHOLD ? v : (float) (Math.max(v, 0.0) + Math.log1p(Math.exp(-Math.abs(v))));
    }
  }

  public static void softplusBackward(float[] x, float[] g, float[] gx, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[i];
      gx[i] = v > SOFTPLUS_THRESHOLD ? g[i] : g[i] * sigmoid(v);
    }
  }

  /** The exact GELU, {@code x * Phi(x)}, as PyTorch's default (not the tanh approximation). */
  public static void gelu(float[] x, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      double v = x[i];
      y[i] = (float) (v * normalCdf(v));
    }
  }

  public static void geluBackward(float[] x, float[] g, float[] gx, int n) {
    for (int i = 0; i < n; i++) {
      double v = x[i];
      gx[i] = (float) (g[i] * (normalCdf(v) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI));
    }
  }

  public static void silu(float[] x, float[] y, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[i];
      y[i] = v * sigmoid(v);
    }
  }

  public static void siluBackward(float[] x, float[] g, float[] gx, int n) {
    for (int i = 0; i < n; i++) {
      float v = x[i];
      float s = sigmoid(v);
      gx[i] = g[i] * (s + v * s * (1f - s));
    }
  }

  public static void softmax(float[] x, float[] y, int batch, int channels, int positions) {
    for (int b = 0; b < batch; b++) {
      int base = b * channels * positions;
      for (int p = 0; p < positions; p++) {
        int o = base + p;
        float max = max(x, o, channels, positions);
        double sum = 0;
        for (int c = 0; c < channels; c++) {
          float e = (float) Math.exp(x[o + c * positions] - max);
          y[o + c * positions] = e;
          sum += e;
        }
        float inv = (float) (1 / sum);
        for (int c = 0; c < channels; c++) {
          y[o + c * positions] *= inv;
        }
      }
    }
  }

  /** {@code gx = y * (g - sum(g * y))} per distribution. */
  public static void softmaxBackward(
      float[] y, float[] g, float[] gx, int batch, int channels, int positions) {
    for (int b = 0; b < batch; b++) {
      int base = b * channels * positions;
      for (int p = 0; p < positions; p++) {
        int o = base + p;
        double dot = 0;
        for (int c = 0; c < channels; c++) {
          dot += (double) g[o + c * positions] * y[o + c * positions];
        }
        for (int c = 0; c < channels; c++) {
          int i = o + c * positions;
          gx[i] = (float) (y[i] * (g[i] - dot));
        }
      }
    }
  }

  public static void logSoftmax(float[] x, float[] y, int batch, int channels, int positions) {
    for (int b = 0; b < batch; b++) {
      int base = b * channels * positions;
      for (int p = 0; p < positions; p++) {
        int o = base + p;
        float max = max(x, o, channels, positions);
        double sum = 0;
        for (int c = 0; c < channels; c++) {
          sum += Math.exp(x[o + c * positions] - max);
        }
        float logSum = (float) (max + Math.log(sum));
        for (int c = 0; c < channels; c++) {
          y[o + c * positions] = x[o + c * positions] - logSum;
        }
      }
    }
  }

  /** {@code gx = g - softmax * sum(g)} per distribution, with softmax = exp(y). */
  public static void logSoftmaxBackward(
      float[] y, float[] g, float[] gx, int batch, int channels, int positions) {
    for (int b = 0; b < batch; b++) {
      int base = b * channels * positions;
      for (int p = 0; p < positions; p++) {
        int o = base + p;
        double sum = 0;
        for (int c = 0; c < channels; c++) {
          sum += g[o + c * positions];
        }
        for (int c = 0; c < channels; c++) {
          int i = o + c * positions;
          gx[i] = (float) (g[i] - Math.exp(y[i]) * sum);
        }
      }
    }
  }

  /** The largest of one distribution's values: {@code channels} values from {@code o}, {@code positions} apart. */
  private static float max(float[] x, int o, int channels, int positions) {
    float max = Float.NEGATIVE_INFINITY;
    for (int c = 0; c < channels; c++) {
      max = Math.max(max, x[o + c * positions]);
    }
    return max;
  }

  public static float sigmoid(float v) {
    // exp of a negative argument only, so neither branch overflows.
    if (v >= 0f) {
      return (float) (1 / (1 + Math.exp(-v)));
    }
    double e = Math.exp(v);
    return (float) (e / (1 + e));
  }

  /** The standard normal CDF {@code Phi(x) = erfc(-x / sqrt 2) / 2}. */
  public static double normalCdf(double x) {
    return 0.5 * erfc(-x * SQRT_HALF);
  }

  /**
   * The complementary error function, by the Chebyshev fit of Numerical Recipes ({@code erfcc}); fractional error
   * below 1.2e-7 everywhere, well inside float precision. The JDK has no erf.
   */
  public static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }
}
