package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A layer whose first tensor is a learnable {@code <layer>.weight}, optionally followed by a {@code <layer>.bias}, in
 * PyTorch's layouts: Dense, Conv, ConvTranspose, the normalisations (their scale and shift) and PReLU.
 */
public abstract class WeightedLayer extends Layer {
  private static final String BIAS = ".bias";

  protected WeightedLayer(
      String name,
      String description,
      Shape inputShape,
      Shape outputShape,
      List<Parameter> parameters,
      long multiplyAdds,
      int receptiveField) {
    super(name, description, inputShape, outputShape, parameters, multiplyAdds, receptiveField);
  }

  /** The weight ({@code <layer>.weight}), in PyTorch's layout. */
  public Parameter weight() {
    return parameters().get(0);
  }

  /**
   * The bias ({@code <layer>.bias}), or null when the layer has none. Allocates nothing: generated inference code
   * reads the bias's version on every call where a batch norm is folded into the layer.
   */
  public Parameter bias() {
    List<Parameter> p = parameters();
    if (p.size() < 2) {
      return null;
    }
    String tensor = p.get(1).name();
    String layer = name();
    boolean isBias = tensor.length() == layer.length() + BIAS.length() && tensor.startsWith(layer)
        && tensor.endsWith(BIAS);
    return isBias ? p.get(1) : null;
  }
}
