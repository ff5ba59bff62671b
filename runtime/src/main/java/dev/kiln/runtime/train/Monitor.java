package dev.kiln.runtime.train;

/** The per-epoch quantity early stopping watches, and whether lower or higher is better. */
public enum Monitor {
  VALIDATION_LOSS(false),
  VALIDATION_ACCURACY(true),
  TRAINING_LOSS(false),
  TRAINING_ACCURACY(true);

  private final boolean maximize;

  Monitor(boolean maximize) {
    this.maximize = maximize;
  }

  /** Whether a higher value is better. */
  public boolean maximize() {
    return maximize;
  }

  /** This quantity in an epoch's result. */
  public double of(EpochResult r) {
    return switch (this) {
      case VALIDATION_LOSS -> r.validationLoss();
      case VALIDATION_ACCURACY -> r.validationAccuracy();
      case TRAINING_LOSS -> r.trainLoss();
      case TRAINING_ACCURACY -> r.trainAccuracy();
    };
  }

  boolean needsValidation() {
    return this == VALIDATION_LOSS || this == VALIDATION_ACCURACY;
  }
}
