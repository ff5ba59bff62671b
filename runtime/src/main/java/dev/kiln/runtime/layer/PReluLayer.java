package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A parametric ReLU (@PReLU): one learnable slope per channel ({@code weight}, {@code [C]}), or one shared by
 * all ({@code [1]}).
 */
public final class PReluLayer extends WeightedLayer {
  public PReluLayer(
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
