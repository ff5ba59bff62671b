package dev.kiln.runtime.loss;

/**
 * Binary cross-entropy on raw scores, PyTorch's {@code F.binary_cross_entropy_with_logits} with
 * {@code reduction='mean'}: each element is an independent yes/no logit {@code x} with target {@code t} in [0, 1],
 * averaged over all elements. Computed as {@code max(x, 0) - x t + log1p(exp(-|x|))}, which equals
 * {@code -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))} but never overflows nor takes {@code log(0)}; the
 * gradient is {@code (sigmoid(x) - t) / N}. Preferred over {@link BinaryCrossEntropy} for the same reason as
 * {@link SoftmaxCrossEntropy}: the network ends in a linear layer and the sigmoid lives here.
 */
public final class BinaryCrossEntropyWithLogits implements Loss {
  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double invN = 1.0 / n;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double x = prediction[i];
      double t = target[i];
      double e = Math.exp(-Math.abs(x)); // in (0, 1]: the only exponential, so nothing overflows
      sum += Math.max(x, 0) - x * t + Math.log1p(e);
      double sigmoid = x >= 0 ? 1 / (1 + e) : e / (1 + e);
      gradPrediction[i] = (float) ((sigmoid - t) * invN);
    }
    return (float) (sum * invN);
  }

  @Override
  public String toString() {
    return "BinaryCrossEntropyWithLogits";
  }
}
