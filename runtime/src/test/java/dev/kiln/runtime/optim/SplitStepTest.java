package dev.kiln.runtime.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A step split into parts ({@link Optimizer#stepPart} for every part, then {@link Optimizer#finishSplitStep}), as
 * data-parallel training runs it, gives bit for bit the values and state of {@link Optimizer#step()}, for every
 * optimizer and its options, over several steps and parameters whose sizes the parts do not divide.
 */
class SplitStepTest {
  private static final int[] SIZES = {1, 2, 7, 64, 1001};

  private static List<Parameter> parameters(long seed) {
    Random random = new Random(seed);
    List<Parameter> ps = new ArrayList<>();
    for (int i = 0; i < SIZES.length; i++) {
      Parameter p = Parameter.bias("p" + i, new int[] {SIZES[i]});
      for (int j = 0; j < SIZES[i]; j++) {
        p.value()[j] = (float) random.nextGaussian();
      }
      ps.add(p);
    }
    return ps;
  }

  private static void setGradients(List<Parameter> ps, Random random) {
    for (Parameter p : ps) {
      for (int j = 0; j < p.size(); j++) {
        // Some exact zeros, as after a ReLU.
        p.grad()[j] = random.nextInt(4) == 0 ? 0f : (float) random.nextGaussian();
      }
    }
  }

  private static void check(String name, Function<List<Parameter>, Optimizer> make) {
    for (int parts : new int[] {1, 2, 3, 5}) {
      List<Parameter> whole = parameters(11);
      List<Parameter> split = parameters(11);
      Optimizer a = make.apply(whole);
      Optimizer b = make.apply(split);
      Random ga = new Random(5);
      Random gb = new Random(5);
      for (int step = 0; step < 4; step++) {
        setGradients(whole, ga);
        setGradients(split, gb);
        int versionBefore = split.get(0).version();
        a.step();
        // Backwards, to show the parts do not depend on their order.
        for (int part = parts - 1; part >= 0; part--) {
          b.stepPart(part, parts);
        }
        b.finishSplitStep();
        assertEquals(a.stepCount(), b.stepCount(), name);
        assertEquals(versionBefore + 1, split.get(0).version(), name + ": a split step marks parameters modified");
        for (int i = 0; i < whole.size(); i++) {
          assertArrayEquals(whole.get(i).value(), split.get(i).value(),
              name + ", " + parts + " parts, step " + step + ", parameter " + i);
        }
      }
      assertEquals(a.state().keySet(), b.state().keySet(), name);
      for (String key : a.state().keySet()) {
        assertArrayEquals(a.state().get(key), b.state().get(key), name + " state " + key);
      }
    }
  }

  @Test
  void everyOptimizerGivesTheSameValuesAndStateSplitOrWhole() {
    check("SGD", ps -> new SGD(ps, 0.1));
    check("SGD momentum nesterov decay", ps -> new SGD(ps, 0.05, 0.9, 0, 0.01, true));
    check("SGD momentum dampening", ps -> new SGD(ps, 0.05, 0.9, 0.1, 0, false));
    check("RMSProp centered momentum", ps -> new RMSProp(ps, 0.01, 0.9, 1e-8, 0.01, 0.5, true));
    check("Adam", ps -> new Adam(ps, 1e-3));
    check("Adam amsgrad decay", ps -> new Adam(ps, 1e-3, 0.8, 0.99, 1e-8, 0.01, true));
    check("AdamW", ps -> new AdamW(ps, 1e-3, 0.9, 0.999, 1e-8, 0.05, false));
    check("AdaGrad", ps -> new AdaGrad(ps, 0.1, 0.01, 0.01, 0.1, 1e-10));
  }

  @Test
  void partOutsideTheRangeIsRefused() {
    Optimizer sgd = new SGD(parameters(1), 0.1);
    assertThrows(IllegalArgumentException.class, () -> sgd.stepPart(2, 2));
    assertThrows(IllegalArgumentException.class, () -> sgd.stepPart(-1, 2));
    assertThrows(IllegalArgumentException.class, () -> sgd.stepPart(0, 0));
  }
}
