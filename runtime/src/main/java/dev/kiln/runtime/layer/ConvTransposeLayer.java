package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A 2-D transposed convolution (@ConvTranspose): weight {@code [channels, filters / groups, kh, kw]} and an
 * optional bias.
 */
public final class ConvTransposeLayer extends WeightedLayer {
  public ConvTransposeLayer(
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
