package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/** A standalone activation (@Activate), or a randomized leaky ReLU (@RReLU); it has no parameters. */
public final class ActivationLayer extends Layer {
  public ActivationLayer(
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
