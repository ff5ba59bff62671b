package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A batch normalisation (@BatchNorm): gamma ({@code weight}) and beta ({@code bias}) per channel, learnable, and
 * the running statistics, buffers that training-mode forward passes update.
 */
public final class BatchNormLayer extends WeightedLayer {
  public BatchNormLayer(
      String name,
      String description,
      Shape inputShape,
      Shape outputShape,
      List<Parameter> parameters,
      long multiplyAdds,
      int receptiveField) {
    super(name, description, inputShape, outputShape, parameters, multiplyAdds, receptiveField);
  }

  /** The running mean per channel, a buffer. */
  public Parameter runningMean() {
    return parameters().get(2);
  }

  /** The running (unbiased) variance per channel, a buffer. */
  public Parameter runningVar() {
    return parameters().get(3);
  }

  /** How many training-mode batches have updated the running statistics: a buffer of one float holding a count. */
  public Parameter numBatchesTracked() {
    return parameters().get(4);
  }
}
