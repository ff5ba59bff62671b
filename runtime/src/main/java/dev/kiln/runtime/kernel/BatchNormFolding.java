package dev.kiln.runtime.kernel;

/**
 * Folds an inference-mode batch norm into the convolution before it. With running statistics, batch norm is an
 * affine map per channel, {@code y = (x - mean) * s + beta} with {@code s = gamma / sqrt(var + eps)}; applied to a
 * convolution's output {@code x = w * window + b} it is the convolution with weight {@code w * s} and bias
 * {@code (b - mean) * s + beta}. Generated networks keep such a folded copy current with the six tensors' versions
 * and run the convolution on it outside training, which saves the batch norm's two passes over the activations (and,
 * for a ReLU after the batch norm, lets the convolution's kernel apply it while its accumulator is in L1).
 */
public final class BatchNormFolding {
  /**
   * Whether inference folds (the default). {@code -Dkiln.fold=false} runs every batch norm as written, which
   * reproduces the unfolded arithmetic bit for bit and lets a benchmark measure what folding saves. Read once: to C2
   * it is a constant.
   */
  public static final boolean ENABLED = !"false".equals(System.getProperty("kiln.fold"));

  private BatchNormFolding() {}

  /**
   * Writes the folded weight and bias of a convolution with {@code filters} filters of {@code taps} weights each
   * (row-major, PyTorch's {@code [filters, channels / groups, kh, kw]}); {@code bias} is null for a convolution
   * without one. Computed in double and rounded once, so the folded weights are as close to the exact product as
   * float allows.
   */
  public static void foldIntoConv(float[] weight, float[] bias, float[] gamma, float[] beta, float[] runningMean,
      float[] runningVar, double eps, int filters, int taps, float[] foldedWeight, float[] foldedBias) {
    for (int f = 0; f < filters; f++) {
      double s = gamma[f] / Math.sqrt(runningVar[f] + eps);
      int from = f * taps;
      for (int k = from; k < from + taps; k++) {
        foldedWeight[k] = (float) (weight[k] * s);
      }
      double b = bias == null ? 0 : bias[f];
      foldedBias[f] = (float) ((b - runningMean[f]) * s + beta[f]);
    }
  }
}
