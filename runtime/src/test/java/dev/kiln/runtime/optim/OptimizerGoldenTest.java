package dev.kiln.runtime.optim;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.runtime.loss.GoldenCase.assertClose;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.loss.GoldenCase;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every {@code optim_*} PyTorch reference case: the parameter after each step on the case's given gradients, with
 * the optimizer built from the hyper-parameters in the case's config. Each case is also run a second way, stopping
 * after the first step and resuming in a fresh optimizer from the exported state, which must then continue
 * bit-identically to the uninterrupted one.
 */
class OptimizerGoldenTest {
  /** References are float64 stored as float32; optimizer state is float, updates in double. */
  private static final double REL = 1e-4;
  private static final double ABS = 1e-6;

  private static final Set<String> COVERED =
      Set.of(
          "optim_sgd",
          "optim_sgd_momentum",
          "optim_sgd_momentum_ema",
          "optim_sgd_nesterov",
          "optim_sgd_weight_decay",
          "optim_rmsprop",
          "optim_adam",
          "optim_adamw",
          "optim_adagrad");

  @Test
  void optim_sgd() throws IOException {
    check("optim_sgd");
  }

  @Test
  void optim_sgd_momentum() throws IOException {
    check("optim_sgd_momentum");
  }

  @Test
  void optim_sgd_momentum_ema() throws IOException {
    check("optim_sgd_momentum_ema");
  }

  @Test
  void optim_sgd_nesterov() throws IOException {
    check("optim_sgd_nesterov");
  }

  @Test
  void optim_sgd_weight_decay() throws IOException {
    check("optim_sgd_weight_decay");
  }

  @Test
  void optim_rmsprop() throws IOException {
    check("optim_rmsprop");
  }

  @Test
  void optim_adam() throws IOException {
    check("optim_adam");
  }

  @Test
  void optim_adamw() throws IOException {
    check("optim_adamw");
  }

  @Test
  void optim_adagrad() throws IOException {
    check("optim_adagrad");
  }

  /** A new {@code optim_*} file in the resources must get a test here, not be silently skipped. */
  @Test
  void everyGoldenOptimizerCaseHasATest() throws IOException {
    List<String> present = GoldenCase.list("optim_");
    assertThat(present).isNotEmpty();
    assertThat(COVERED).containsAtLeastElementsIn(present);
  }

  private static void check(String name) throws IOException {
    GoldenCase c = GoldenCase.load(name);
    int steps = (int) c.number("steps");
    assertThat(steps).isAtLeast(1);
    float[] start = c.floats("param_0");
    int[] shape = c.shape("param_0");

    Parameter p = Parameter.bias("param", shape);
    p.set(start);
    Optimizer opt = optimizerFor(c, List.of(p));
    String what = name + " (" + opt + ", config " + c.config() + ")";
    for (int t = 1; t <= steps; t++) {
      setGrad(p, c.floats("grad_" + t));
      opt.step();
      assertClose(what + " param after step " + t, p.value(), c.floats("param_" + t), REL, ABS);
    }
    assertThat(opt.stepCount()).isEqualTo(steps);

    // Stop after step 1, resume in a fresh optimizer over a fresh parameter: identical bits from then on.
    Parameter a = Parameter.bias("param", shape);
    a.set(start);
    Optimizer first = optimizerFor(c, List.of(a));
    setGrad(a, c.floats("grad_1"));
    first.step();
    Parameter b = Parameter.bias("param", shape);
    b.set(a.value());
    Optimizer resumed = optimizerFor(c, List.of(b));
    resumed.restoreState(first.state(), first.stepCount());
    for (int t = 2; t <= steps; t++) {
      float[] g = c.floats("grad_" + t);
      setGrad(a, g);
      setGrad(b, g);
      first.step();
      resumed.step();
      assertWithMessage("%s resumed, step %s", what, t).that(b.value()).isEqualTo(a.value());
    }
    assertStatesEqual(resumed.state(), first.state());
    assertClose(what + " resumed run", b.value(), c.floats("param_" + steps), REL, ABS);
  }

  static void setGrad(Parameter p, float[] g) {
    assertThat(g).hasLength(p.size());
    System.arraycopy(g, 0, p.grad(), 0, g.length);
  }

  static void assertStatesEqual(Map<String, float[]> actual, Map<String, float[]> expected) {
    assertThat(actual.keySet()).containsExactlyElementsIn(expected.keySet()).inOrder();
    for (String k : expected.keySet()) {
      assertWithMessage("state %s", k).that(actual.get(k)).isEqualTo(expected.get(k));
    }
  }

  /** The optimizer a case's config describes: its kind from the name, every hyper-parameter from {@code hyper}. */
  static Optimizer optimizerFor(GoldenCase c, List<Parameter> params) {
    String kind = c.string("optimizer");
    // PyTorch options Kiln does not implement must be off, or the case cannot be reproduced
    assertWithMessage("%s maximize", c.name()).that(c.bool("maximize", false)).isFalse();
    double lr = c.number("lr");
    double wd = c.number("weight_decay", 0);
    if (kind.startsWith("sgd")) {
      return new SGD(
          params, lr, c.number("momentum", 0), c.number("dampening", 0), wd, c.bool("nesterov", false));
    }
    if (kind.startsWith("rmsprop")) {
      return new RMSProp(
          params,
          lr,
          c.number("alpha", 0.99),
          c.number("eps", 1e-8),
          wd,
          c.number("momentum", 0),
          c.bool("centered", false));
    }
    if (kind.startsWith("adagrad")) {
      return new AdaGrad(
          params,
          lr,
          c.number("lr_decay", 0),
          wd,
          c.number("initial_accumulator_value", 0),
          c.number("eps", 1e-10));
    }
    if (kind.startsWith("adam")) {
      double[] betas = c.numbers("betas");
      assertThat(betas).hasLength(2);
      double eps = c.number("eps", 1e-8);
      boolean amsgrad = c.bool("amsgrad", false);
      // recent PyTorch reports AdamW as Adam with decoupled_weight_decay = true
      boolean decoupled = c.bool("decoupled_weight_decay", kind.startsWith("adamw"));
      return decoupled
          ? new AdamW(params, lr, betas[0], betas[1], eps, wd, amsgrad)
          : new Adam(params, lr, betas[0], betas[1], eps, wd, amsgrad);
    }
    throw new AssertionError(c.name() + ": no optimizer for '" + kind + "'");
  }
}
