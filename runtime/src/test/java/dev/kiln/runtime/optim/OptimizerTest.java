package dev.kiln.runtime.optim;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The optimizer contract: construction checks, learning rate and step count, zeroGrad, allocation-free steps. */
class OptimizerTest {
  private static Parameter bias(String name, float... values) {
    Parameter p = Parameter.bias(name, new int[] {values.length});
    p.set(values);
    return p;
  }

  @Test
  void plainSgdStepsByRateTimesGradient() {
    Parameter p = bias("b", 1f, 2f);
    p.grad()[0] = 0.5f;
    p.grad()[1] = -1f;
    SGD sgd = new SGD(List.of(p), 0.1);
    sgd.step();
    assertThat(p.value()).usingTolerance(1e-7).containsExactly(0.95f, 2.1f).inOrder();
    assertThat(sgd.stepCount()).isEqualTo(1);
    sgd.setLearningRate(1);
    sgd.step();
    assertThat(p.value()).usingTolerance(1e-6).containsExactly(0.45f, 3.1f).inOrder();
    assertThat(sgd.learningRate()).isEqualTo(1.0);
    sgd.zeroGrad();
    assertThat(p.grad()).usingExactEquality().containsExactly(0f, 0f);
  }

  @Test
  void adamFirstStepMovesEachWeightByTheRate() {
    // With bias correction, Adam's first step is lr * g / (|g| + eps'): about lr whatever the gradient's scale.
    Parameter p = bias("b", 0f, 0f);
    p.grad()[0] = 1000f;
    p.grad()[1] = -0.001f;
    new Adam(List.of(p), 0.01).step();
    assertThat(p.value()).usingTolerance(1e-6).containsExactly(-0.01f, 0.01f).inOrder();
  }

  @Test
  void adamWDecaysWeightsEvenWithoutGradient() {
    Parameter p = bias("b", 2f);
    new AdamW(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.5, false).step();
    // w * (1 - lr * wd); the zero gradient moves nothing else
    assertThat(p.value()[0]).isWithin(1e-6f).of(1.9f);
  }

  @Test
  void constructionIsChecked() {
    Parameter p = bias("b", 1f);
    assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SGD(List.of(Parameter.buffer("running_mean", new int[] {1}, 0)), 0.1));
    assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p, bias("b", 2f)), 0.1));
    assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -0.1));
    assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1, 0.9, 0.5, 0, true));
    assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1, 0, 0, 0, true));
    assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p), 0.1, 1.0, 0.999, 1e-8, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new RMSProp(List.of(p), 0.1, 0.99, -1, 0, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new AdaGrad(List.of(p), 0.1, -1, 0, 0, 1e-10));
    SGD sgd = new SGD(List.of(p), 0.1);
    assertThrows(IllegalArgumentException.class, () -> sgd.setLearningRate(-1));
  }

  @Test
  void toStringNamesHyperParameters() {
    assertThat(new AdamW(List.of(bias("b", 1f)), 1e-3).toString())
        .isEqualTo("AdamW(lr=0.001, betas=(0.9, 0.999), eps=1.0E-8, weightDecay=0.01, amsgrad=false; 1 parameters,"
            + " step 0)");
  }

  @Test
  void steppingAllocatesNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter on this JVM");
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    Parameter p = Parameter.bias("b", new int[] {64});
    java.util.Arrays.fill(p.grad(), 0.01f);
    Optimizer[] all = {
      new SGD(List.of(p), 1e-3, 0.9, 0, 1e-4, true), new RMSProp(List.of(p), 1e-4, 0.9, 1e-8, 0, 0.9, true),
      new Adam(List.of(p), 1e-4, 0.9, 0.999, 1e-8, 0, true), new AdamW(List.of(p), 1e-4), new AdaGrad(List.of(p), 1e-3)
    };
    for (int i = 0; i < 20_000; i++) {
      for (Optimizer o : all) {
        o.step();
      }
    }
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 10_000; i++) {
      for (Optimizer o : all) {
        o.step();
      }
    }
    assertThat(threads.getThreadAllocatedBytes(tid) - before).isLessThan(1024L);
  }
}
