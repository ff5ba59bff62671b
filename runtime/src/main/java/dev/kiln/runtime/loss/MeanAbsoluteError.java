package dev.kiln.runtime.loss;

/**
 * Mean absolute error (L1), PyTorch's {@code F.l1_loss} with {@code reduction='mean'}: {@code mean(|y - t|)} over all
 * elements. Its gradient is {@code sign(y - t) / N}, with 0 where the prediction is exact, as PyTorch's {@code sign}.
 * Robust to outliers, at the price of a gradient that does not shrink near the optimum.
 */
public final class MeanAbsoluteError implements Loss {
  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    float step = (float) (1.0 / n);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double d = (double) prediction[i] - target[i];
      sum += Math.abs(d);
      gradPrediction[i] = d > 0 ? step : d < 0 ? -step : 0f;
    }
    return (float) (sum / n);
  }

  @Override
  public String toString() {
    return "MeanAbsoluteError";
  }
}
