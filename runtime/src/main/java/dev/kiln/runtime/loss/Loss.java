package dev.kiln.runtime.loss;

/**
 * A training objective on a batch of predictions: returns its value and writes its gradient with respect to the
 * prediction, the starting point of a backward pass. Fusing the two lets a loss reuse what the value needed
 * (softmax probabilities, sigmoid, differences) and lets the trainer run without allocating per batch.
 *
 * <p>Arrays are batch-major: sample {@code n}'s {@code width} values start at {@code n * width}. Only the first
 * {@code batch * width} values are read or written. Implementations are stateless and thread-safe; each documents
 * its reduction, which is PyTorch's default for the matching function (see the package documentation).
 */
public interface Loss {
  /**
   * Computes the loss of {@code prediction} against {@code target} and its gradient.
   *
   * @param prediction the network's output, {@code batch * width} values
   * @param target what it should have been, same layout (regression values, one-hot or probability rows, binary
   *     labels, as the implementation documents)
   * @param batch number of samples, at least 1
   * @param width values per sample, at least 1
   * @param gradPrediction receives d loss / d prediction in its first {@code batch * width} values (overwritten, not
   *     added to); may not alias {@code prediction} or {@code target}
   * @return the reduced loss
   */
  float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction);
}
