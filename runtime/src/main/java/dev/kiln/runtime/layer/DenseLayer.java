package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/** A fully connected layer (@Dense): weight [units, in] and an optional bias. */
public final class DenseLayer extends Layer {
  public DenseLayer(
      String name,
      String description,
      Shape inputShape,
      Shape outputShape,
      List<Parameter> parameters,
      long multiplyAdds,
      int receptiveField) {
    super(name, description, inputShape, outputShape, parameters, multiplyAdds, receptiveField);
  }

  /** The weight, in PyTorch's layout. */
  public Parameter weight() {
    return parameters().get(0);
  }

  /** The bias, or null when the layer has none. */
  public Parameter bias() {
    return parameters().size() > 1 ? parameters().get(1) : null;
  }
}
