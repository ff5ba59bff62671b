package dev.kiln.runtime.optim;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.init.WeightInit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** L1 and L2 penalties: the gradient each adds, the value each returns, and the choice of tensors. */
class RegularizationTest {
  private static List<Parameter> model() {
    Parameter w = Parameter.weight("fc.weight", new int[] {3}, 1, 1, WeightInit.HE_UNIFORM);
    w.set(new float[] {2f, -0.5f, 0f});
    w.grad()[0] = 1f;
    Parameter b = Parameter.bias("fc.bias", new int[] {1});
    b.set(new float[] {4f});
    return List.of(w, b);
  }

  @Test
  void l2AddsLambdaTimesWeightAndReturnsHalfLambdaSquaredNorm() {
    List<Parameter> ps = model();
    double penalty = Regularization.addL2(ps, 0.1);
    assertThat(penalty).isWithin(1e-9).of(0.05 * (4 + 0.25 + 0 + 16));
    assertThat(ps.get(0).grad()).usingTolerance(1e-7).containsExactly(1.2f, -0.05f, 0f).inOrder();
    assertThat(ps.get(1).grad()[0]).isWithin(1e-7f).of(0.4f);
    assertThat(Regularization.l2Penalty(ps, 0.1, p -> true)).isWithin(1e-9).of(penalty);
  }

  @Test
  void l1AddsLambdaTimesSignAndReturnsLambdaAbsoluteSum() {
    List<Parameter> ps = model();
    double penalty = Regularization.addL1(ps, 0.1);
    assertThat(penalty).isWithin(1e-7).of(0.1 * (2 + 0.5 + 0 + 4));
    // sign(0) = 0: a weight exactly at zero is not pushed either way
    assertThat(ps.get(0).grad()).usingTolerance(1e-7).containsExactly(1.1f, -0.1f, 0f).inOrder();
    assertThat(ps.get(1).grad()[0]).isWithin(1e-7f).of(0.1f);
    assertThat(Regularization.l1Penalty(ps, 0.1, p -> true)).isWithin(1e-9).of(penalty);
  }

  @Test
  void weightsOnlySparesBiases() {
    List<Parameter> ps = model();
    double penalty = Regularization.addL2(ps, 1.0, Regularization.weightsOnly());
    assertThat(penalty).isWithin(1e-9).of(0.5 * 4.25);
    assertThat(ps.get(1).grad()[0]).isEqualTo(0f);
    Regularization.addL1(ps, 1.0, Regularization.weightsOnly());
    assertThat(ps.get(1).grad()[0]).isEqualTo(0f);
  }

  @Test
  void l2PenaltyMatchesSgdWeightDecay() {
    List<Parameter> a = model();
    List<Parameter> b = model();
    Regularization.addL2(a, 0.01);
    new SGD(a, 0.1).step();
    new SGD(b, 0.1, 0, 0, 0.01, false).step();
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).value()).usingTolerance(1e-7).containsExactly(b.get(i).value()).inOrder();
    }
  }

  @Test
  void rejectsNegativeCoefficients() {
    assertThrows(IllegalArgumentException.class, () -> Regularization.addL1(model(), -1));
    assertThrows(IllegalArgumentException.class, () -> Regularization.addL2(model(), Double.NaN));
  }
}
