package dev.kiln.runtime.loss;

/**
 * Binary cross-entropy on probabilities, PyTorch's {@code F.binary_cross_entropy} with {@code reduction='mean'}:
 * {@code -(t log p + (1 - t) log(1 - p))} per element, averaged over all elements, for a network that ends in a
 * sigmoid. As in PyTorch, each log is clamped at -100 and the gradient {@code (p - t) / (p (1 - p))} has its divisor
 * clamped at {@code 1e-12}, so a saturated sigmoid (p exactly 0 or 1) gives a finite loss and gradient.
 */
public final class BinaryCrossEntropy implements Loss {
  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double invN = 1.0 / n;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double p = prediction[i];
      double t = target[i];
      double logP = Math.max(Math.log(p), CrossEntropy.LOG_FLOOR);
      double logQ = Math.max(Math.log1p(-p), CrossEntropy.LOG_FLOOR); // log1p: accurate for p near 0
      sum -= t * logP + (1 - t) * logQ;
      gradPrediction[i] = (float) ((p - t) / Math.max((1 - p) * p, CrossEntropy.EPSILON) * invN);
    }
    return (float) (sum * invN);
  }

  @Override
  public String toString() {
    return "BinaryCrossEntropy";
  }
}
