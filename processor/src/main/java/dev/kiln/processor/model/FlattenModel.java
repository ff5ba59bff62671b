package dev.kiln.processor.model;

/** Flattening: the same values seen as a vector; it shares its input's memory. */
public record FlattenModel(String name, TensorShape input, TensorShape output) implements LayerModel {
  @Override
  public String viewType() {
    return "FlattenLayer";
  }

  @Override
  public String describe() {
    return "Flatten";
  }
}
