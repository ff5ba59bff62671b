package dev.kiln.processor.model;

/** A ReLU with a learned slope for negative values, per channel or shared. */
public record PReluModel(String name, TensorShape input, TensorShape output, double slope, boolean shared)
    implements LayerModel {
  public PReluModel {
    if (!input.equals(output) || !Double.isFinite(slope)) {
      throw new IllegalArgumentException("prelu keeps its shape and has a finite slope");
    }
  }

  /** Number of slopes: the channels, or 1 when shared. */
  public int slopes() {
    return shared ? 1 : input.channels();
  }

  @Override
  public String viewType() {
    return "PReluLayer";
  }

  @Override
  public String describe() {
    return "PReLU" + (shared ? " shared" : "");
  }
}
