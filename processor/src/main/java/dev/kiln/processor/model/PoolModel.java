package dev.kiln.processor.model;

import dev.kiln.annotations.PoolMode;

/** Max, average or stochastic pooling over a window; global pooling is the window that covers the whole image. */
public record PoolModel(
    String name, TensorShape input, TensorShape output, PoolMode mode, Window window, boolean global)
    implements LayerModel {
  @Override
  public String viewType() {
    return "PoolLayer";
  }

  @Override
  public String describe() {
    String m = switch (mode) {
      case MAX -> "Max";
      case AVG -> "Avg";
      case STOCHASTIC -> "Stochastic";
    };
    return global ? "Global" + m + "Pool" : m + "Pool " + window.describe();
  }
}
