package dev.kiln.runtime.optim;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.init.WeightInit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Checkpointing optimizers: the exported state's names and contents, an optimizer restored from another's state
 * continuing bit-identically (for every optimizer and option that keeps state), and restore refusing a state
 * that does not fit without changing anything.
 */
class OptimizerStateTest {
  /** A small model's learnable tensors: fc1.weight [3, 4], fc1.bias [3]. */
  private static List<Parameter> params(long seed) {
    Parameter w = Parameter.weight("fc1.weight", new int[] {3, 4}, 4, 3, WeightInit.GLOROT_UNIFORM);
    Parameter b = Parameter.bias("fc1.bias", new int[] {3});
    Rng rng = new Rng(seed);
    w.reset(rng);
    for (int j = 0; j < b.size(); j++) {
      b.value()[j] = (float) rng.nextGaussian();
    }
    return List.of(w, b);
  }

  private static List<Parameter> copyOf(List<Parameter> ps) {
    List<Parameter> out = params(0);
    for (int i = 0; i < ps.size(); i++) {
      out.get(i).set(ps.get(i).value());
    }
    return out;
  }

  private static void randomGrads(List<Parameter> ps, Rng rng) {
    for (Parameter p : ps) {
      for (int j = 0; j < p.size(); j++) {
        p.grad()[j] = (float) rng.nextGaussian();
      }
    }
  }

  private static final Map<String, Function<List<Parameter>, Optimizer>> OPTIMIZERS = new LinkedHashMap<>();

  static {
    OPTIMIZERS.put("sgd momentum", ps -> new SGD(ps, 0.1, 0.9));
    OPTIMIZERS.put("sgd ema + decay", ps -> new SGD(ps, 0.1, 0.9, 0.9, 1e-3, false));
    OPTIMIZERS.put("sgd nesterov", ps -> new SGD(ps, 0.1, 0.9, 0, 0, true));
    OPTIMIZERS.put("rmsprop", ps -> new RMSProp(ps, 0.01));
    OPTIMIZERS.put("rmsprop centered momentum", ps -> new RMSProp(ps, 0.01, 0.9, 1e-8, 1e-4, 0.5, true));
    OPTIMIZERS.put("adam", ps -> new Adam(ps, 1e-3));
    OPTIMIZERS.put("adam amsgrad + decay", ps -> new Adam(ps, 1e-3, 0.9, 0.999, 1e-8, 0.01, true));
    OPTIMIZERS.put("adamw", ps -> new AdamW(ps, 1e-3));
    OPTIMIZERS.put("adagrad", ps -> new AdaGrad(ps, 0.1, 0.01, 1e-4, 0.1, 1e-10));
  }

  @Test
  void restoredOptimizerContinuesBitIdentically() {
    for (Map.Entry<String, Function<List<Parameter>, Optimizer>> e : OPTIMIZERS.entrySet()) {
      List<Parameter> a = params(42);
      Optimizer original = e.getValue().apply(a);
      Rng grads = new Rng(9);
      for (int t = 0; t < 5; t++) {
        randomGrads(a, grads);
        original.step();
      }
      // checkpoint: values, optimizer state, step count, and the gradient generator's state
      List<Parameter> b = copyOf(a);
      Optimizer restored = e.getValue().apply(b);
      restored.restoreState(original.state(), original.stepCount());
      assertThat(restored.stepCount()).isEqualTo(5);
      Rng grads2 = new Rng(grads.state());
      for (int t = 0; t < 5; t++) {
        randomGrads(a, grads);
        randomGrads(b, grads2);
        original.step();
        restored.step();
        for (int i = 0; i < a.size(); i++) {
          assertWithMessage("%s step %s %s", e.getKey(), t, a.get(i).name())
              .that(b.get(i).value())
              .isEqualTo(a.get(i).value());
        }
      }
      OptimizerGoldenTest.assertStatesEqual(restored.state(), original.state());
    }
  }

  @Test
  void stateUsesPyTorchNamesPerParameter() {
    assertThat(new SGD(params(1), 0.1, 0.9).state().keySet())
        .containsExactly("fc1.weight.momentum_buffer", "fc1.bias.momentum_buffer")
        .inOrder();
    assertThat(new SGD(params(1), 0.1).state()).isEmpty();
    assertThat(new Adam(params(1), 1e-3).state().keySet())
        .containsExactly("fc1.weight.exp_avg", "fc1.weight.exp_avg_sq", "fc1.bias.exp_avg", "fc1.bias.exp_avg_sq")
        .inOrder();
    assertThat(new Adam(params(1), 1e-3, 0.9, 0.999, 1e-8, 0, true).stateSlots())
        .containsExactly("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        .inOrder();
    assertThat(new RMSProp(params(1), 0.01, 0.99, 1e-8, 0, 0.9, true).stateSlots())
        .containsExactly("square_avg", "momentum_buffer", "grad_avg")
        .inOrder();
    assertThat(new AdaGrad(params(1), 0.1).state().keySet()).containsExactly("fc1.weight.sum", "fc1.bias.sum");
    assertThat(new AdaGrad(params(1), 0.1, 0, 0, 0.25, 1e-10).state().get("fc1.bias.sum"))
        .usingExactEquality()
        .containsExactly(0.25f, 0.25f, 0.25f);
  }

  @Test
  void stateHoldsTheMomentumBuffer() {
    List<Parameter> ps = params(1);
    SGD sgd = new SGD(ps, 0.1, 0.9);
    ps.get(1).grad()[0] = 2f;
    sgd.step(); // first step: the buffer is the gradient itself
    assertThat(sgd.state().get("fc1.bias.momentum_buffer")).usingExactEquality().containsExactly(2f, 0f, 0f);
    sgd.step(); // then 0.9 * 2 + 2
    assertThat(sgd.state().get("fc1.bias.momentum_buffer")[0]).isWithin(1e-6f).of(3.8f);
  }

  @Test
  void stateAndRestoreCopy() {
    List<Parameter> ps = params(1);
    Adam adam = new Adam(ps, 1e-3);
    randomGrads(ps, new Rng(2));
    adam.step();
    Map<String, float[]> exported = adam.state();
    float before = exported.get("fc1.weight.exp_avg")[0];
    exported.get("fc1.weight.exp_avg")[0] = 123f;
    assertThat(adam.state().get("fc1.weight.exp_avg")[0]).isEqualTo(before);

    Map<String, float[]> source = new LinkedHashMap<>(adam.state());
    Adam other = new Adam(params(1), 1e-3);
    other.restoreState(source, 1);
    source.get("fc1.bias.exp_avg_sq")[0] = 99f;
    assertThat(other.state().get("fc1.bias.exp_avg_sq")[0]).isNotEqualTo(99f);
  }

  @Test
  void restoreRejectsMismatchedStateAndChangesNothing() {
    List<Parameter> ps = params(1);
    Adam adam = new Adam(ps, 1e-3);
    randomGrads(ps, new Rng(3));
    adam.step();
    Map<String, float[]> good = adam.state();

    Adam target = new Adam(params(1), 1e-3);
    Map<String, float[]> untouched = target.state();

    Map<String, float[]> missing = new LinkedHashMap<>(good);
    missing.remove("fc1.bias.exp_avg_sq");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> target.restoreState(missing, 1));
    assertThat(e).hasMessageThat().contains("fc1.bias.exp_avg_sq");

    Map<String, float[]> unknown = new LinkedHashMap<>(good);
    unknown.put("fc1.bias.momentum_buffer", new float[3]);
    e = assertThrows(IllegalArgumentException.class, () -> target.restoreState(unknown, 1));
    assertThat(e).hasMessageThat().contains("fc1.bias.momentum_buffer");

    Map<String, float[]> wrongSize = new LinkedHashMap<>(good);
    wrongSize.put("fc1.bias.exp_avg", new float[4]);
    e = assertThrows(IllegalArgumentException.class, () -> target.restoreState(wrongSize, 1));
    assertThat(e).hasMessageThat().contains("fc1.bias.exp_avg");

    assertThrows(IllegalArgumentException.class, () -> target.restoreState(good, -1));

    OptimizerGoldenTest.assertStatesEqual(target.state(), untouched);
    assertThat(target.stepCount()).isEqualTo(0);

    // an SGD state is not an Adam state
    SGD sgd = new SGD(params(1), 0.1, 0.9);
    assertThrows(IllegalArgumentException.class, () -> sgd.restoreState(good, 1));
  }
}
