package dev.kiln.processor.model;

import dev.kiln.annotations.Init;

/** A fully connected layer; a rank-3 input is flattened first, so {@code inFeatures} is its size. */
public record DenseModel(
    String name,
    TensorShape input,
    TensorShape output,
    int units,
    boolean bias,
    ActivationModel activation,
    Init init)
    implements LayerModel, FusedActivation {
  public DenseModel {
    if (output.size() != units || output.isImage()) {
      throw new IllegalArgumentException("dense output must be a vector of units");
    }
  }

  public int inFeatures() {
    return input.size();
  }

  @Override
  public String viewType() {
    return "DenseLayer";
  }

  @Override
  public String describe() {
    return "Dense " + units + (bias ? "" : " no bias") + (activation.isIdentity() ? "" : ", " + activation.describe());
  }
}
