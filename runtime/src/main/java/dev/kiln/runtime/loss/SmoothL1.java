package dev.kiln.runtime.loss;

/**
 * Smooth L1, PyTorch's {@code F.smooth_l1_loss(beta)} with {@code reduction='mean'}: per element, with
 * {@code d = y - t}, {@code 0.5 d^2 / beta} where {@code |d| < beta} and {@code |d| - 0.5 beta} elsewhere, averaged
 * over all elements. Quadratic near the target, linear far away; {@code beta = 0} is exactly L1, as in PyTorch. It
 * differs from {@link Huber} by a factor {@code beta}: {@code huber(delta) = delta * smoothL1(beta = delta)}.
 */
public final class SmoothL1 implements Loss {
  private final double beta;

  /** PyTorch's default, {@code beta = 1}. */
  public SmoothL1() {
    this(1.0);
  }

  /** @param beta where the loss turns from quadratic to linear; non-negative */
  public SmoothL1(double beta) {
    if (!(beta >= 0)) {
      throw new IllegalArgumentException("beta must be non-negative: " + beta);
    }
    this.beta = beta;
  }

  public double beta() {
    return beta;
  }

  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double d = (double) prediction[i] - target[i];
      double a = Math.abs(d);
      double g;
      if (a < beta) { // never true for beta = 0, which leaves plain L1 and no division by zero
        sum += 0.5 * d * d / beta;
        g = d / beta;
      } else {
        sum += a - 0.5 * beta;
        g = Math.signum(d);
      }
      gradPrediction[i] = (float) (g / n);
    }
    return (float) (sum / n);
  }

  @Override
  public String toString() {
    return "SmoothL1(beta=" + beta + ")";
  }
}
