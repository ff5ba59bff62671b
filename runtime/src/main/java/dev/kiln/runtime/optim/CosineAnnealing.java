package dev.kiln.runtime.optim;

/**
 * Cosine annealing (Loshchilov and Hutter 2017, without restarts), PyTorch's {@code CosineAnnealingLR} in its
 * closed form: {@code minRate + (base - minRate) * (1 + cos(pi * t / period)) / 2}. It stays near the base rate for
 * long, then falls quickly and flattens out at {@code minRate} when {@code t = period}. As in PyTorch, the formula
 * is periodic: past {@code period} the rate rises again, so set {@code period} to the length of training.
 */
public record CosineAnnealing(long period, double minRate, Unit unit) implements LearningRateSchedule {
  public CosineAnnealing {
    if (period < 1) {
      throw new IllegalArgumentException("period must be at least 1: " + period);
    }
    if (!(minRate >= 0)) {
      throw new IllegalArgumentException("minRate must be non-negative: " + minRate);
    }
    if (unit == null) {
      throw new NullPointerException("unit");
    }
  }

  @Override
  public double rate(int epoch, long step, double base) {
    double t = unit.of(epoch, step);
    return minRate + (base - minRate) * (1 + Math.cos(Math.PI * t / period)) / 2;
  }
}
