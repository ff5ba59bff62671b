package dev.kiln.runtime.loss;

/**
 * Mean squared error, PyTorch's {@code F.mse_loss} with {@code reduction='mean'}: {@code mean((y - t)^2)} over all
 * {@code batch * width} elements. The regression loss whose gradient grows with the error, so outliers dominate.
 */
public final class MeanSquaredError implements Loss {
  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double scale = 2.0 / n;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double d = (double) prediction[i] - target[i];
      sum += d * d;
      gradPrediction[i] = (float) (scale * d);
    }
    return (float) (sum / n);
  }

  @Override
  public String toString() {
    return "MeanSquaredError";
  }
}
