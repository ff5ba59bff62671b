package dev.kiln.runtime.optim;

/**
 * A linear warm-up in front of another schedule: that schedule's rate times a factor rising linearly from
 * {@code startFactor} at 0 to 1 at {@code length} units, and 1 after (PyTorch's {@code LinearLR} chained with it).
 * Warming up keeps the first, poorly conditioned steps of adaptive optimizers and large batches from diverging.
 * The factor multiplies, so the wrapped schedule keeps its own clock: a cosine over the whole run keeps its length.
 */
public record LinearWarmup(LearningRateSchedule then, long length, Unit unit, double startFactor)
    implements LearningRateSchedule {
  public LinearWarmup {
    if (then == null || unit == null) {
      throw new NullPointerException("schedule and unit are required");
    }
    if (length < 1) {
      throw new IllegalArgumentException("warm-up length must be at least 1: " + length);
    }
    if (!(startFactor >= 0 && startFactor <= 1)) {
      throw new IllegalArgumentException("startFactor must be in [0, 1]: " + startFactor);
    }
  }

  /** The warm-up factor at {@code t} units. */
  public double factor(long t) {
    if (t >= length) {
      return 1;
    }
    return startFactor + (1 - startFactor) * Math.max(t, 0) / length;
  }

  @Override
  public double rate(int epoch, long step, double base) {
    return then.rate(epoch, step, base) * factor(unit.of(epoch, step));
  }
}
