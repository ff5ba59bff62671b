package dev.kiln.processor.model;

import dev.kiln.annotations.Activation;

/** An activation and its parameter (the slope of LEAKY_RELU, the alpha of ELU; 0 where unused). */
public record ActivationModel(Activation kind, double alpha) {
  public static final ActivationModel IDENTITY = new ActivationModel(Activation.IDENTITY, 0);

  /** Fills PyTorch's default for the activation's parameter when the user left it NaN. */
  public static ActivationModel of(Activation kind, double alpha) {
    if (Double.isNaN(alpha)) {
      alpha = switch (kind) {
        case LEAKY_RELU -> 0.01;
        case ELU -> 1.0;
        default -> 0.0;
      };
    }
    return new ActivationModel(kind, alpha);
  }

  public boolean isIdentity() {
    return kind == Activation.IDENTITY;
  }

  /** Softmax and log-softmax couple the values of one sample; the others act on each value alone. */
  public boolean isPerSample() {
    return kind == Activation.SOFTMAX || kind == Activation.LOG_SOFTMAX;
  }

  /** Lower-case name as in PyTorch's functional API, with the parameter where there is one. */
  public String describe() {
    String n = kind.name().toLowerCase(java.util.Locale.ROOT);
    return switch (kind) {
      case LEAKY_RELU, ELU -> n + "(" + alpha + ")";
      default -> n;
    };
  }
}
