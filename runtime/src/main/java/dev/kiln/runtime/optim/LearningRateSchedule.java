package dev.kiln.runtime.optim;

/**
 * A learning rate as a function of training progress: given the epoch (from 0), the global step (batches taken
 * from 0) and the base rate, the rate to use next. Being a pure function rather than a stateful scheduler is what
 * lets a resumed run recover its rate from the checkpoint's epoch and step alone, and lets schedules compose.
 *
 * <p>Each built-in schedule counts in {@link Unit#EPOCHS} or {@link Unit#STEPS}; the factories here count epochs,
 * as PyTorch's schedulers do when stepped once per epoch. Values match PyTorch's {@code StepLR},
 * {@code ExponentialLR}, {@code CosineAnnealingLR} (closed form) and {@code LinearLR} (as a warm-up factor).
 */
@FunctionalInterface
public interface LearningRateSchedule {
  /** What a schedule counts: whole epochs or optimizer steps. */
  enum Unit {
    EPOCHS,
    STEPS;

    /** The count this unit reads from the progress. */
    public long of(int epoch, long step) {
      return this == EPOCHS ? epoch : step;
    }
  }

  /**
   * @param epoch the current epoch, from 0
   * @param step optimizer steps taken so far, from 0
   * @param base the base (peak) learning rate
   * @return the learning rate to use
   */
  double rate(int epoch, long step, double base);

  /** Sets {@code optimizer}'s rate from this schedule and returns it; call before each step (or epoch). */
  default double apply(Optimizer optimizer, int epoch, long step, double base) {
    double r = rate(epoch, step, base);
    optimizer.setLearningRate(r);
    return r;
  }

  /**
   * This schedule multiplied by a linear warm-up over the first {@code length} units: the factor rises from
   * {@code startFactor} at 0 to 1 at {@code length} and stays 1 after. See {@link LinearWarmup}.
   */
  default LearningRateSchedule withWarmup(long length, Unit unit, double startFactor) {
    return new LinearWarmup(this, length, unit, startFactor);
  }

  /** The base rate, always. */
  static LearningRateSchedule constant() {
    return (epoch, step, base) -> base;
  }

  /** {@code base * gamma^floor(epoch / every)}: PyTorch's {@code StepLR(step_size=every, gamma)}. */
  static LearningRateSchedule stepDecay(int every, double gamma) {
    return new StepDecay(every, gamma, Unit.EPOCHS);
  }

  /** {@code base * gamma^epoch}: PyTorch's {@code ExponentialLR(gamma)}. */
  static LearningRateSchedule exponential(double gamma) {
    return new ExponentialDecay(gamma, Unit.EPOCHS);
  }

  /** From {@code base} at epoch 0 down to {@code minRate} at {@code period}: PyTorch's {@code CosineAnnealingLR}. */
  static LearningRateSchedule cosineAnnealing(int period, double minRate) {
    return new CosineAnnealing(period, minRate, Unit.EPOCHS);
  }

  /** A linear warm-up over {@code length} units from {@code startFactor * base} to {@code base}, constant after. */
  static LearningRateSchedule linearWarmup(long length, Unit unit, double startFactor) {
    return new LinearWarmup(constant(), length, unit, startFactor);
  }
}
