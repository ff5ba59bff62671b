package dev.kiln.runtime.loss;

/**
 * Huber loss, PyTorch's {@code F.huber_loss(delta)} with {@code reduction='mean'}: per element, with {@code d = y - t},
 * {@code 0.5 d^2} where {@code |d| <= delta} and {@code delta (|d| - 0.5 delta)} elsewhere, averaged over all
 * elements. Its gradient is the error clipped to {@code [-delta, delta]}, which keeps outliers from dominating.
 */
public final class Huber implements Loss {
  private final double delta;

  /** PyTorch's default, {@code delta = 1}. */
  public Huber() {
    this(1.0);
  }

  /** @param delta where the loss turns from quadratic to linear; positive */
  public Huber(double delta) {
    if (!(delta > 0)) {
      throw new IllegalArgumentException("delta must be positive: " + delta);
    }
    this.delta = delta;
  }

  public double delta() {
    return delta;
  }

  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double d = (double) prediction[i] - target[i];
      double a = Math.abs(d);
      double g;
      if (a <= delta) {
        sum += 0.5 * d * d;
        g = d;
      } else {
        sum += delta * (a - 0.5 * delta);
        g = delta * Math.signum(d);
      }
      gradPrediction[i] = (float) (g / n);
    }
    return (float) (sum / n);
  }

  @Override
  public String toString() {
    return "Huber(delta=" + delta + ")";
  }
}
