package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/** What every layer view tells: its name, shapes, parameters and costs, all fixed at compile time. */
public abstract class Layer {
  private final String name;
  private final String description;
  private final Shape inputShape;
  private final Shape outputShape;
  private final List<Parameter> parameters;
  private final long multiplyAdds;
  private final int receptiveField;

  /**
   * @param description the layer's configuration in words, such as {@code Conv 6@5x5 pad 2, relu}
   * @param multiplyAdds per sample, forward
   * @param receptiveField input pixels (per axis) one output value sees; 0 when the layer sees the whole input
   */
  protected Layer(
      String name,
      String description,
      Shape inputShape,
      Shape outputShape,
      List<Parameter> parameters,
      long multiplyAdds,
      int receptiveField) {
    this.name = name;
    this.description = description;
    this.inputShape = inputShape;
    this.outputShape = outputShape;
    this.parameters = List.copyOf(parameters);
    this.multiplyAdds = multiplyAdds;
    this.receptiveField = receptiveField;
  }

  /** The interface method's name, which prefixes the parameter names. */
  public String name() {
    return name;
  }

  public String description() {
    return description;
  }

  public Shape inputShape() {
    return inputShape;
  }

  public Shape outputShape() {
    return outputShape;
  }

  /** This layer's tensors, learnable and buffers, in PyTorch's order. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /** Number of learnable scalars. */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters) {
      if (p.isTrainable()) {
        n += p.size();
      }
    }
    return n;
  }

  /** Multiply-adds of one sample's forward pass. */
  public long multiplyAdds() {
    return multiplyAdds;
  }

  /** Bytes of activations one sample's forward pass keeps for backward (float32 output). */
  public long activationBytes() {
    return 4L * outputShape.size();
  }

  /** Input pixels per axis that one output value depends on; 0 when it depends on the whole input. */
  public int receptiveField() {
    return receptiveField;
  }

  @Override
  public String toString() {
    return name + ": " + description + " -> " + outputShape;
  }
}
