package dev.kiln.runtime.loss;

/**
 * A loss over class scores, which can take its targets as class indices instead of one-hot rows: for
 * classification a label array is smaller and cheaper to fill than a one-hot matrix, and for the softmax cross
 * entropy it is also faster. The {@link Loss} form with a {@code float[]} target stays available, for one-hot (or,
 * where the implementation allows, probability) rows.
 */
public interface ClassLoss extends Loss {
  /**
   * Computes the loss of {@code prediction} ({@code batch} rows of {@code width} class scores) against class
   * indices and its gradient, exactly as the {@link Loss} form would on the matching one-hot rows.
   *
   * @param labels {@code batch} class indices, each in {@code [0, width)}
   * @param gradPrediction receives d loss / d prediction in its first {@code batch * width} values (overwritten)
   * @return the reduced loss
   */
  float compute(float[] prediction, int[] labels, int batch, int width, float[] gradPrediction);
}
