package dev.kiln.runtime.loss;

import java.util.Arrays;

/**
 * Cross-entropy on probabilities (the output of a softmax layer): {@code -mean_n sum_k t_nk log p_nk}, averaged over
 * the batch as PyTorch's {@code F.nll_loss(log(p))}; gradient {@code -t / (p * batch)}. Prefer
 * {@link SoftmaxCrossEntropy} on logits, which is more stable and cheaper; this one exists for networks whose
 * declared output is already a probability distribution.
 *
 * <p>Like PyTorch's {@code binary_cross_entropy}, the log is clamped at -100 and the gradient's divisor at
 * {@code 1e-12}, so that a probability that underflowed to 0 yields a large but finite loss instead of infinity
 * and NaN gradients. Classes with target 0 contribute nothing (not {@code 0 * log 0 = NaN}).
 */
public final class CrossEntropy implements ClassLoss {
  /** PyTorch's floor for the log of a probability in its binary cross-entropy. */
  static final double LOG_FLOOR = -100;
  /** PyTorch's floor for the divisor of the binary cross-entropy's gradient. */
  static final double EPSILON = 1e-12;

  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double invBatch = 1.0 / batch;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double t = target[i];
      if (t == 0) {
        gradPrediction[i] = 0f;
        continue;
      }
      double p = prediction[i];
      sum -= t * Math.max(Math.log(p), LOG_FLOOR);
      gradPrediction[i] = (float) (-t / Math.max(p, EPSILON) * invBatch);
    }
    return (float) (sum * invBatch);
  }

  @Override
  public float compute(float[] prediction, int[] labels, int batch, int width, float[] gradPrediction) {
    Checks.sizes(prediction, labels, batch, width, gradPrediction);
    double invBatch = 1.0 / batch;
    double sum = 0;
    Arrays.fill(gradPrediction, 0, batch * width, 0f);
    for (int b = 0; b < batch; b++) {
      int i = b * width + labels[b];
      double p = prediction[i];
      sum -= Math.max(Math.log(p), LOG_FLOOR);
      gradPrediction[i] = (float) (-1 / Math.max(p, EPSILON) * invBatch);
    }
    return (float) (sum * invBatch);
  }

  @Override
  public String toString() {
    return "CrossEntropy";
  }
}
