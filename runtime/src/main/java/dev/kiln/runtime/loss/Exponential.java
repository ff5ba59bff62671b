package dev.kiln.runtime.loss;

/**
 * Exponential loss (AdaBoost's) on scores {@code y} with targets {@code t} in {-1, +1}: {@code mean(exp(-t y))}
 * over all elements, gradient {@code -t exp(-t y) / N}. It punishes confident mistakes exponentially, so it is
 * sensitive to label noise; use it where that is the point.
 */
public final class Exponential implements Loss {
  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double invN = 1.0 / n;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double t = target[i];
      double e = Math.exp(-t * prediction[i]);
      sum += e;
      gradPrediction[i] = (float) (-t * e * invN);
    }
    return (float) (sum * invN);
  }

  @Override
  public String toString() {
    return "Exponential";
  }
}
