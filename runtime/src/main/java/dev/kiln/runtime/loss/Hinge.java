package dev.kiln.runtime.loss;

/**
 * Binary hinge loss (the SVM loss) on scores {@code y} with targets {@code t} in {-1, +1}:
 * {@code mean(max(0, margin - t y))} over all elements, as {@code torch.clamp(margin - t * y, min=0).mean()}. The
 * gradient is {@code -t / N} where the margin is not exceeded, including the boundary {@code t y = margin} itself,
 * where PyTorch's {@code clamp} passes the gradient through.
 */
public final class Hinge implements Loss {
  private final double margin;

  /** The usual margin of 1. */
  public Hinge() {
    this(1.0);
  }

  public Hinge(double margin) {
    this.margin = margin;
  }

  public double margin() {
    return margin;
  }

  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double invN = 1.0 / n;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double t = target[i];
      double z = margin - t * prediction[i];
      if (z >= 0) {
        sum += z;
        gradPrediction[i] = (float) (-t * invN);
      } else {
        gradPrediction[i] = 0f;
      }
    }
    return (float) (sum * invN);
  }

  @Override
  public String toString() {
    return "Hinge(margin=" + margin + ")";
  }
}
