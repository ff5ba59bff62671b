package dev.kiln.runtime.init;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The initializers' distributions: over 200,000 draws the mean is within 5 standard errors of 0 and the variance
 * within 2% of the scheme's target (its standard error is under 0.4% for both shapes, so 2% is over 5 of them);
 * uniform draws stay inside their limit; the same seed gives the same weights.
 */
class WeightInitTest {
  private static final int DRAWS = 200_000;
  private static final int FAN_IN = 120;
  private static final int FAN_OUT = 84;

  @ParameterizedTest
  @EnumSource(WeightInit.class)
  void meanAndVarianceMatchTheScheme(WeightInit scheme) {
    float[] w = new float[DRAWS];
    scheme.fill(w, FAN_IN, FAN_OUT, new Rng(7));
    double sum = 0;
    for (float v : w) {
      sum += v;
    }
    double mean = sum / DRAWS;
    double squares = 0;
    for (float v : w) {
      squares += (v - mean) * (v - mean);
    }
    double variance = squares / (DRAWS - 1);
    double target = scheme.variance(FAN_IN, FAN_OUT);
    assertWithMessage("%s mean", scheme).that(Math.abs(mean)).isLessThan(5 * Math.sqrt(target / DRAWS));
    assertWithMessage("%s variance / target", scheme).that(variance / target).isWithin(0.02).of(1.0);
  }

  @Test
  void targetsAreTheTextbookOnes() {
    assertThat(WeightInit.LECUN_NORMAL.variance(FAN_IN, FAN_OUT)).isWithin(1e-15).of(1.0 / FAN_IN);
    assertThat(WeightInit.GLOROT_UNIFORM.variance(FAN_IN, FAN_OUT)).isWithin(1e-15).of(2.0 / (FAN_IN + FAN_OUT));
    assertThat(WeightInit.HE_NORMAL.variance(FAN_IN, FAN_OUT)).isWithin(1e-15).of(2.0 / FAN_IN);
  }

  @ParameterizedTest
  @EnumSource(value = WeightInit.class, names = {"LECUN_UNIFORM", "GLOROT_UNIFORM", "HE_UNIFORM"})
  void uniformDrawsStayInsideTheirLimit(WeightInit scheme) {
    float[] w = new float[DRAWS];
    scheme.fill(w, FAN_IN, FAN_OUT, new Rng(3));
    double limit = Math.sqrt(3 * scheme.variance(FAN_IN, FAN_OUT));
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : w) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat((double) max).isAtMost(limit);
    assertThat((double) min).isAtLeast(-limit);
    // and the draws reach close to both ends, so the limit is not an overestimate
    assertThat((double) max).isGreaterThan(0.99 * limit);
    assertThat((double) min).isLessThan(-0.99 * limit);
  }

  @Test
  void sameSeedSameWeightsOtherSeedOtherWeights() {
    float[] a = new float[1000];
    float[] b = new float[1000];
    float[] c = new float[1000];
    WeightInit.HE_NORMAL.fill(a, FAN_IN, FAN_OUT, new Rng(42));
    WeightInit.HE_NORMAL.fill(b, FAN_IN, FAN_OUT, new Rng(42));
    WeightInit.HE_NORMAL.fill(c, FAN_IN, FAN_OUT, new Rng(43));
    assertThat(b).isEqualTo(a);
    assertThat(c).isNotEqualTo(a);
  }
}
