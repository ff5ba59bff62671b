package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A layer, group or instance normalisation (@LayerNorm, @GroupNorm, @InstanceNorm): a learnable scale
 * ({@code weight}) and shift ({@code bias}); no running statistics.
 */
public final class NormLayer extends Layer {
  public NormLayer(
      String name,
      String description,
      Shape inputShape,
      Shape outputShape,
      List<Parameter> parameters,
      long multiplyAdds,
      int receptiveField) {
    super(name, description, inputShape, outputShape, parameters, multiplyAdds, receptiveField);
  }

  /** The learnable scale, starting at 1: {@code [C]}, or the sample's shape for a layer norm. */
  public Parameter weight() {
    return parameters().get(0);
  }

  /** The learnable shift, starting at 0, of the same shape as {@link #weight()}. */
  public Parameter bias() {
    return parameters().get(1);
  }
}
