package dev.kiln.runtime.loss;

/**
 * Cross-entropy on raw scores (logits), PyTorch's {@code F.cross_entropy} with {@code reduction='mean'}: the softmax
 * and the negative log-likelihood fused into one pass, averaged over the batch. Fusing them is what makes it
 * stable and cheap: the log-softmax is {@code x - logsumexp(x)} with the row maximum subtracted first, so no
 * {@code exp} overflows and no probability underflows into {@code log(0)}; and the gradient collapses to
 * {@code (softmax(x) - t) / batch}. The network should therefore end in a linear layer, not a softmax.
 *
 * <p>Targets: class indices ({@link ClassLoss} form) or rows of class probabilities (one-hot or soft, as PyTorch's
 * probability targets): {@code loss = -mean_n sum_k t_nk log softmax(x_n)_k}, gradient
 * {@code (softmax(x_n) * sum_k t_nk - t_n) / batch}, which is {@code (p - t) / batch} for rows that sum to one.
 */
public final class SoftmaxCrossEntropy implements ClassLoss {
  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    Checks.sizes(prediction, target, batch, width, gradPrediction);
    double invBatch = 1.0 / batch;
    double sum = 0;
    for (int b = 0; b < batch; b++) {
      int base = b * width;
      double lse = logSumExp(prediction, base, width);
      double mass = 0;
      for (int k = 0; k < width; k++) {
        double t = target[base + k];
        if (t != 0) { // skips 0 * (lse - x) terms, so a -inf logit of an absent class does not give NaN
          sum += t * (lse - prediction[base + k]);
        }
        mass += t;
      }
      for (int k = 0; k < width; k++) {
        double p = Math.exp(prediction[base + k] - lse);
        gradPrediction[base + k] = (float) ((p * mass - target[base + k]) * invBatch);
      }
    }
    return (float) (sum * invBatch);
  }

  @Override
  public float compute(float[] prediction, int[] labels, int batch, int width, float[] gradPrediction) {
    Checks.sizes(prediction, labels, batch, width, gradPrediction);
    double invBatch = 1.0 / batch;
    double sum = 0;
    for (int b = 0; b < batch; b++) {
      int base = b * width;
      int y = labels[b];
      double lse = logSumExp(prediction, base, width);
      sum += lse - prediction[base + y];
      for (int k = 0; k < width; k++) {
        double p = Math.exp(prediction[base + k] - lse);
        gradPrediction[base + k] = (float) ((k == y ? p - 1 : p) * invBatch);
      }
    }
    return (float) (sum * invBatch);
  }

  /** {@code log(sum_k exp(x_k))} of one row, with the maximum factored out so that no exponential overflows. */
  static double logSumExp(float[] x, int base, int width) {
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < width; k++) {
      max = Math.max(max, x[base + k]);
    }
    if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
      return max; // all -inf (or NaN): nothing to factor out, and inf - inf would make a NaN of the former
    }
    double s = 0;
    for (int k = 0; k < width; k++) {
      s += Math.exp(x[base + k] - max);
    }
    return max + Math.log(s);
  }

  @Override
  public String toString() {
    return "SoftmaxCrossEntropy";
  }
}
