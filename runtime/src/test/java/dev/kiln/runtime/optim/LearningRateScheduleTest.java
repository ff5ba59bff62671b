package dev.kiln.runtime.optim;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.optim.LearningRateSchedule.Unit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Known values of each schedule, matching PyTorch's StepLR, ExponentialLR, CosineAnnealingLR and LinearLR. */
class LearningRateScheduleTest {
  private static final double EPS = 1e-12;

  @Test
  void constant() {
    assertThat(LearningRateSchedule.constant().rate(7, 1000, 0.3)).isEqualTo(0.3);
  }

  @Test
  void stepDecay() {
    LearningRateSchedule s = LearningRateSchedule.stepDecay(30, 0.1);
    assertThat(s.rate(0, 0, 0.1)).isWithin(EPS).of(0.1);
    assertThat(s.rate(29, 0, 0.1)).isWithin(EPS).of(0.1);
    assertThat(s.rate(30, 0, 0.1)).isWithin(EPS).of(0.01);
    assertThat(s.rate(89, 0, 0.1)).isWithin(EPS).of(0.001);
    // counted in steps instead
    assertThat(new StepDecay(100, 0.5, Unit.STEPS).rate(99, 250, 1.0)).isWithin(EPS).of(0.25);
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.stepDecay(0, 0.1));
  }

  @Test
  void exponential() {
    LearningRateSchedule s = LearningRateSchedule.exponential(0.9);
    assertThat(s.rate(0, 0, 0.5)).isWithin(EPS).of(0.5);
    assertThat(s.rate(3, 0, 0.5)).isWithin(EPS).of(0.5 * 0.729);
  }

  @Test
  void cosineAnnealing() {
    LearningRateSchedule s = LearningRateSchedule.cosineAnnealing(10, 0.001);
    assertThat(s.rate(0, 0, 0.1)).isWithin(EPS).of(0.1);
    assertThat(s.rate(5, 0, 0.1)).isWithin(EPS).of(0.0505); // half-way: the mean of base and minimum
    assertThat(s.rate(10, 0, 0.1)).isWithin(EPS).of(0.001);
    // one quarter: min + (base - min) * (1 + cos(pi / 4)) / 2
    assertThat(new CosineAnnealing(8, 0, Unit.EPOCHS).rate(2, 0, 1.0))
        .isWithin(EPS)
        .of((1 + Math.sqrt(0.5)) / 2);
    // PyTorch's closed form is periodic: past the period it climbs back
    assertThat(s.rate(15, 0, 0.1)).isWithin(EPS).of(0.0505);
  }

  @Test
  void linearWarmupAloneAndComposed() {
    LearningRateSchedule w = LearningRateSchedule.linearWarmup(5, Unit.EPOCHS, 0.2);
    assertThat(w.rate(0, 0, 1.0)).isWithin(EPS).of(0.2);
    assertThat(w.rate(2, 0, 1.0)).isWithin(EPS).of(0.52);
    assertThat(w.rate(5, 0, 1.0)).isWithin(EPS).of(1.0);
    assertThat(w.rate(50, 0, 1.0)).isWithin(EPS).of(1.0);

    // warm-up over 100 steps in front of a 10-epoch cosine: the factor multiplies the cosine's own value
    LearningRateSchedule s = LearningRateSchedule.cosineAnnealing(10, 0).withWarmup(100, Unit.STEPS, 0);
    assertThat(s.rate(0, 0, 0.1)).isWithin(EPS).of(0.0);
    assertThat(s.rate(0, 50, 0.1)).isWithin(EPS).of(0.05);
    assertThat(s.rate(5, 100, 0.1)).isWithin(EPS).of(0.05);
    assertThat(s.rate(5, 5000, 0.1)).isWithin(EPS).of(0.05);

    // step decay after an epoch warm-up
    LearningRateSchedule d = LearningRateSchedule.stepDecay(10, 0.1).withWarmup(2, Unit.EPOCHS, 0.5);
    assertThat(d.rate(1, 0, 1.0)).isWithin(EPS).of(0.75);
    assertThat(d.rate(12, 0, 1.0)).isWithin(EPS).of(0.1);
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.linearWarmup(0, Unit.STEPS, 0.1));
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.linearWarmup(5, Unit.STEPS, 1.5));
  }

  @Test
  void applySetsTheOptimizersRate() {
    SGD sgd = new SGD(List.of(Parameter.bias("b", new int[] {1})), 0.1);
    double r = LearningRateSchedule.stepDecay(1, 0.5).apply(sgd, 2, 0, 0.1);
    assertThat(r).isWithin(EPS).of(0.025);
    assertThat(sgd.learningRate()).isEqualTo(r);
  }
}
