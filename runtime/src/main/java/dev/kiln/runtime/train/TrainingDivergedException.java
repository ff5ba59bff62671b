package dev.kiln.runtime.train;

/**
 * Training produced a NaN or infinite loss or gradient. The message says where (epoch and batch, or step), what
 * (the loss, or the first parameter in state order whose gradient is not finite, with its layer and index) and what
 * to try. The model is left as it was when the problem was found, before the optimizer step that would have spread
 * it.
 */
public final class TrainingDivergedException extends ArithmeticException {
  private static final long serialVersionUID = 1L;
  private final int epoch;
  private final int batch;
  private final String parameterName;
  private final String layerName;

  TrainingDivergedException(String message, int epoch, int batch, String parameterName, String layerName) {
    super(message);
    this.epoch = epoch;
    this.batch = batch;
    this.parameterName = parameterName;
    this.layerName = layerName;
  }

  /** The epoch, from 1; 0 where the batch was one of {@code Trainer.step}'s. */
  public int epoch() {
    return epoch;
  }

  /** The batch within the epoch, from 1; for {@code Trainer.step}, the number of the step, from 1. */
  public int batch() {
    return batch;
  }

  /** The first parameter with a non-finite gradient (or value), or null when only the loss was non-finite. */
  public String parameterName() {
    return parameterName;
  }

  /** The layer holding {@link #parameterName()}, or null. */
  public String layerName() {
    return layerName;
  }
}
