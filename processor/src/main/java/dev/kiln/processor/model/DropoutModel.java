package dev.kiln.processor.model;

/** Inverted dropout with drop probability {@code rate} in [0, 1), or multiplicative Gaussian noise. */
public record DropoutModel(String name, TensorShape input, TensorShape output, double rate, boolean gaussian)
    implements LayerModel {
  public DropoutModel {
    if (!input.equals(output)) {
      throw new IllegalArgumentException("dropout keeps its shape");
    }
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("rate must be in [0, 1): " + rate);
    }
  }

  @Override
  public String viewType() {
    return "DropoutLayer";
  }

  @Override
  public String describe() {
    return (gaussian ? "GaussianDropout " : "Dropout ") + rate;
  }
}
