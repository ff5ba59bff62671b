package dev.kiln.runtime.optim;

/**
 * Multiplies the rate by {@code gamma} every {@code every} units: {@code base * gamma^floor(t / every)}, PyTorch's
 * {@code StepLR}. The classic schedule for SGD: train at a rate until progress stalls, then drop it tenfold.
 */
public record StepDecay(long every, double gamma, Unit unit) implements LearningRateSchedule {
  public StepDecay {
    if (every < 1) {
      throw new IllegalArgumentException("every must be at least 1: " + every);
    }
    if (!(gamma > 0)) {
      throw new IllegalArgumentException("gamma must be positive: " + gamma);
    }
    if (unit == null) {
      throw new NullPointerException("unit");
    }
  }

  @Override
  public double rate(int epoch, long step, double base) {
    return base * Math.pow(gamma, Math.floorDiv(unit.of(epoch, step), every));
  }
}
