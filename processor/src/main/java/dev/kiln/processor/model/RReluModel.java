package dev.kiln.processor.model;

/** A leaky ReLU whose slope is drawn from [lower, upper] in training and is their mean in inference. */
public record RReluModel(String name, TensorShape input, TensorShape output, double lower, double upper)
    implements LayerModel {
  public RReluModel {
    if (!input.equals(output) || !Double.isFinite(lower) || !Double.isFinite(upper) || lower > upper) {
      throw new IllegalArgumentException("rrelu keeps its shape and needs finite lower <= upper");
    }
  }

  @Override
  public String viewType() {
    return "ActivationLayer";
  }

  @Override
  public String describe() {
    return "RReLU(" + (float) lower + ", " + (float) upper + ")";
  }
}
