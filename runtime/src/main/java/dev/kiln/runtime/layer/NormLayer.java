package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A layer, group or instance normalisation (@LayerNorm, @GroupNorm, @InstanceNorm): a learnable scale
 * ({@code weight}) and shift ({@code bias}); no running statistics.
 */
public final class NormLayer extends WeightedLayer {
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
}
