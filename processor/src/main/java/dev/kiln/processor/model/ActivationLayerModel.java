package dev.kiln.processor.model;

/** A standalone activation; output shape equals input shape. */
public record ActivationLayerModel(String name, TensorShape input, TensorShape output, ActivationModel activation)
    implements LayerModel {
  @Override
  public String viewType() {
    return "ActivationLayer";
  }

  @Override
  public String describe() {
    return "Activation " + activation.describe();
  }
}
