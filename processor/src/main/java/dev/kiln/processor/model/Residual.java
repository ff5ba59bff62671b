package dev.kiln.processor.model;

/**
 * A skip connection: the output of layer {@code layer} becomes its own output plus that of {@code from}, an earlier
 * layer's name or {@link #INPUT} for the network's input. Both have the same shape.
 */
public record Residual(String layer, String from) {
  /** The name that stands for the network's input. */
  public static final String INPUT = "input";

  public boolean fromInput() {
    return from.equals(INPUT);
  }
}
