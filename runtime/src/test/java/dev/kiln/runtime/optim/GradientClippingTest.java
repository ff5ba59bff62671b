package dev.kiln.runtime.optim;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clipping by global norm (PyTorch's clip_grad_norm_ factor, max_norm / (norm + 1e-6), capped at 1) and by value. */
class GradientClippingTest {
  private static List<Parameter> withGrads(float[]... grads) {
    Parameter[] ps = new Parameter[grads.length];
    for (int i = 0; i < grads.length; i++) {
      ps[i] = Parameter.bias("p" + i, new int[] {grads[i].length});
      System.arraycopy(grads[i], 0, ps[i].grad(), 0, grads[i].length);
    }
    return List.of(ps);
  }

  @Test
  void clipsToTheGlobalNormAndReturnsTheNormBefore() {
    // |(3, 4, 12)| = 13, across two tensors
    List<Parameter> ps = withGrads(new float[] {3f, 4f}, new float[] {12f});
    double norm = GradientClipping.clipByNorm(ps, 6.5);
    assertThat(norm).isWithin(1e-9).of(13.0);
    double coef = 6.5 / (13 + 1e-6);
    assertThat(ps.get(0).grad()).usingTolerance(1e-6).containsExactly((float) (3 * coef), (float) (4 * coef));
    assertThat(ps.get(1).grad()[0]).isWithin(1e-6f).of((float) (12 * coef));
    assertThat(GradientClipping.globalNorm(ps)).isWithin(1e-5).of(6.5);
  }

  @Test
  void leavesGradientsBelowTheLimitUntouched() {
    List<Parameter> ps = withGrads(new float[] {3f, 4f});
    // exactly at the limit PyTorch still scales, by 5 / (5 + 1e-6): a hair below 1
    assertThat(GradientClipping.clipByNorm(ps, 5.0)).isWithin(1e-9).of(5.0);
    assertThat(ps.get(0).grad()[1]).isWithin(1e-5f).of(4f);
    List<Parameter> small = withGrads(new float[] {0.3f, 0.4f});
    GradientClipping.clipByNorm(small, 1.0);
    assertThat(small.get(0).grad()).usingExactEquality().containsExactly(0.3f, 0.4f).inOrder();
  }

  @Test
  void zeroGradientsStayZero() {
    List<Parameter> ps = withGrads(new float[] {0f, 0f});
    assertThat(GradientClipping.clipByNorm(ps, 1.0)).isEqualTo(0.0);
    assertThat(ps.get(0).grad()).usingExactEquality().containsExactly(0f, 0f);
  }

  @Test
  void otherNorms() {
    float[][] g = {{3f, -4f}, {1f}};
    assertThat(GradientClipping.globalNorm(g, 1)).isWithin(1e-9).of(8.0);
    assertThat(GradientClipping.globalNorm(g, Double.POSITIVE_INFINITY)).isEqualTo(4.0);
    assertThat(GradientClipping.globalNorm(g, 3)).isWithin(1e-9).of(Math.cbrt(27 + 64 + 1));
    double norm = GradientClipping.clipByNorm(g, 2.0, Double.POSITIVE_INFINITY);
    assertThat(norm).isEqualTo(4.0);
    double coef = 2.0 / (4 + 1e-6);
    assertThat(g[0]).usingTolerance(1e-6).containsExactly((float) (3 * coef), (float) (-4 * coef)).inOrder();
    assertThrows(IllegalArgumentException.class, () -> GradientClipping.globalNorm(g, 0));
    assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByNorm(g, -1, 2));
  }

  @Test
  void nonFiniteNormsPropagateAsInPyTorch() {
    float[][] g = {{Float.NaN, 1f}};
    assertThat(GradientClipping.clipByNorm(g, 1.0, 2)).isNaN();
    assertThat(g[0][1]).isNaN(); // scaled by a NaN factor: the failure shows instead of being hidden
    float[][] inf = {{Float.POSITIVE_INFINITY, 1f}};
    assertThat(GradientClipping.clipByNorm(inf, 1.0, 2)).isPositiveInfinity();
    assertThat(inf[0][1]).isEqualTo(0f);
  }

  @Test
  void clipsByValue() {
    List<Parameter> ps = withGrads(new float[] {-3f, 0.5f, 2f, Float.NaN}, new float[] {-0.25f});
    GradientClipping.clipByValue(ps, 1.0);
    assertThat(ps.get(0).grad()).usingExactEquality().containsExactly(-1f, 0.5f, 1f, Float.NaN).inOrder();
    assertThat(ps.get(1).grad()[0]).isEqualTo(-0.25f);
    assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByValue(ps, -1));
  }

  @Test
  void buffersHaveNoGradientToClip() {
    List<Parameter> ps = List.of(Parameter.buffer("running_mean", new int[] {2}, 0f));
    assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipByNorm(ps, 1.0));
  }
}
