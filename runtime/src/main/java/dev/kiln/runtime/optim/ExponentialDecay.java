package dev.kiln.runtime.optim;

/**
 * Multiplies the rate by {@code gamma} each unit: {@code base * gamma^t}, PyTorch's {@code ExponentialLR}. A smooth
 * version of {@link StepDecay}.
 */
public record ExponentialDecay(double gamma, Unit unit) implements LearningRateSchedule {
  public ExponentialDecay {
    if (!(gamma > 0)) {
      throw new IllegalArgumentException("gamma must be positive: " + gamma);
    }
    if (unit == null) {
      throw new NullPointerException("unit");
    }
  }

  @Override
  public double rate(int epoch, long step, double base) {
    return base * Math.pow(gamma, unit.of(epoch, step));
  }
}
