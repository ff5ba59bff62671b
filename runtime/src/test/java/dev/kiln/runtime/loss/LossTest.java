package dev.kiln.runtime.loss;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Rng;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Properties beyond the PyTorch references: gradients agree with finite differences on fresh random data, the
 * class-index forms agree with one-hot targets, the stable formulations stay finite where naive ones overflow,
 * arguments are checked, and computing allocates nothing.
 */
class LossTest {
  private static final int BATCH = 3;
  private static final int WIDTH = 4;

  private static float[] normal(Rng rng, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rng.nextGaussian() * scale);
    }
    return a;
  }

  private static float[] softmaxRows(float[] x, int batch, int width) {
    float[] p = new float[x.length];
    for (int b = 0; b < batch; b++) {
      double lse = SoftmaxCrossEntropy.logSumExp(x, b * width, width);
      for (int k = 0; k < width; k++) {
        p[b * width + k] = (float) Math.exp(x[b * width + k] - lse);
      }
    }
    return p;
  }

  private static float[] oneHot(int[] labels, int width) {
    float[] t = new float[labels.length * width];
    for (int b = 0; b < labels.length; b++) {
      t[b * width + labels[b]] = 1;
    }
    return t;
  }

  /**
   * Central differences of the loss in each prediction element against the analytic gradient. The loss returns a
   * float, so the step is large enough for float rounding (about 1e-7 of the loss) to stay below the tolerance.
   */
  private static void checkGradient(Loss loss, float[] prediction, float[] target, double h) {
    int n = prediction.length;
    float[] grad = new float[n];
    loss.compute(prediction, target, BATCH, WIDTH, grad);
    float[] scratch = new float[n];
    for (int i = 0; i < n; i++) {
      float[] plus = prediction.clone();
      float[] minus = prediction.clone();
      // relative step: probabilities near 0 need a step far below their value
      float step = (float) (h * Math.max(Math.abs(prediction[i]), 0.1));
      plus[i] += step;
      minus[i] -= step;
      double hp = plus[i] - prediction[i];
      double hm = prediction[i] - minus[i];
      double numeric =
          ((double) loss.compute(plus, target, BATCH, WIDTH, scratch)
                  - loss.compute(minus, target, BATCH, WIDTH, scratch))
              / (hp + hm);
      assertWithMessage("%s d/d prediction[%s]", loss, i).that((double) grad[i]).isWithin(1e-3 + 1e-3 * Math.abs(numeric)).of(numeric);
    }
  }

  @Test
  void smoothLossGradientsMatchFiniteDifferences() {
    Rng rng = new Rng(7);
    int n = BATCH * WIDTH;
    float[] x = normal(rng, n, 1.5);
    float[] reg = normal(rng, n, 1.0);
    float[] soft = softmaxRows(normal(rng, n, 1.0), BATCH, WIDTH);
    float[] binary = new float[n];
    float[] pm1 = new float[n];
    for (int i = 0; i < n; i++) {
      binary[i] = rng.nextInt(2);
      pm1[i] = binary[i] * 2 - 1;
    }
    float[] sigmoid = new float[n];
    for (int i = 0; i < n; i++) {
      sigmoid[i] = (float) (1 / (1 + Math.exp(-x[i])));
    }
    Map<Loss, float[][]> cases =
        Map.of(
            new MeanSquaredError(), new float[][] {x, reg},
            new SoftmaxCrossEntropy(), new float[][] {x, soft},
            new CrossEntropy(), new float[][] {softmaxRows(x, BATCH, WIDTH), soft},
            new BinaryCrossEntropyWithLogits(), new float[][] {x, binary},
            new BinaryCrossEntropy(), new float[][] {sigmoid, binary},
            new KLDivergence(), new float[][] {logOf(softmaxRows(x, BATCH, WIDTH)), soft},
            new Exponential(), new float[][] {x, pm1},
            new Huber(100), new float[][] {x, reg}, // all in the quadratic zone: no kink nearby
            new SmoothL1(0.0001), new float[][] {x, reg}); // all in the linear zone
    for (Map.Entry<Loss, float[][]> e : cases.entrySet()) {
      checkGradient(e.getKey(), e.getValue()[0], e.getValue()[1], 1e-3);
    }
  }

  private static float[] logOf(float[] p) {
    float[] out = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = (float) Math.log(p[i]);
    }
    return out;
  }

  @Test
  void labelFormsAgreeWithOneHotForms() {
    Rng rng = new Rng(11);
    float[] logits = normal(rng, BATCH * WIDTH, 2);
    int[] labels = {2, 0, 3};
    float[] target = oneHot(labels, WIDTH);
    for (ClassLoss loss : new ClassLoss[] {new SoftmaxCrossEntropy(), new CrossEntropy(), new MultiMargin()}) {
      float[] prediction = loss instanceof CrossEntropy ? softmaxRows(logits, BATCH, WIDTH) : logits;
      float[] g1 = new float[BATCH * WIDTH];
      float[] g2 = new float[BATCH * WIDTH];
      float l1 = loss.compute(prediction, target, BATCH, WIDTH, g1);
      float l2 = loss.compute(prediction, labels, BATCH, WIDTH, g2);
      assertWithMessage("%s", loss).that(l2).isWithin(1e-6f).of(l1);
      assertWithMessage("%s", loss).that(g2).usingTolerance(1e-7).containsExactly(g1).inOrder();
    }
  }

  @Test
  void softmaxCrossEntropyOnSoftTargetsIsPyTorchsProbabilityTarget() {
    // One row, logits (0, ln 3): softmax (1/4, 3/4); target (1/2, 1/2):
    // loss = -(0.5 log 0.25 + 0.5 log 0.75), gradient p - t = (-1/4, 1/4).
    float[] x = {0f, (float) Math.log(3)};
    float[] t = {0.5f, 0.5f};
    float[] g = new float[2];
    float loss = new SoftmaxCrossEntropy().compute(x, t, 1, 2, g);
    assertThat((double) loss).isWithin(1e-6).of(-(0.5 * Math.log(0.25) + 0.5 * Math.log(0.75)));
    assertThat(g).usingTolerance(1e-6).containsExactly(-0.25f, 0.25f).inOrder();
  }

  @Test
  void stableFormsStayFiniteOnExtremeInputs() {
    float[] g = new float[2];
    // logits 1e4 apart: exp would overflow without the max shift
    float ce = new SoftmaxCrossEntropy().compute(new float[] {10000f, -10000f}, new int[] {1}, 1, 2, g);
    assertThat((double) ce).isWithin(1e-3).of(20000);
    assertThat(g).usingTolerance(1e-6).containsExactly(1f, -1f).inOrder();

    float bce = new BinaryCrossEntropyWithLogits().compute(new float[] {200f, -200f}, new float[] {0f, 0f}, 1, 2, g);
    assertThat((double) bce).isWithin(1e-3).of(100); // (200 + 0) / 2
    assertThat(g).usingTolerance(1e-6).containsExactly(0.5f, 0f).inOrder();

    // probabilities exactly 0 and 1, wrong side: PyTorch clamps each log at -100
    float bp = new BinaryCrossEntropy().compute(new float[] {0f, 1f}, new float[] {1f, 0f}, 1, 2, g);
    assertThat(bp).isEqualTo(100f);
    assertThat(Float.isFinite(g[0]) && Float.isFinite(g[1])).isTrue();

    float cp = new CrossEntropy().compute(new float[] {0f, 1f}, new int[] {0}, 1, 2, g);
    assertThat(cp).isEqualTo(100f);
    assertThat(Float.isFinite(g[0])).isTrue();
  }

  @Test
  void klDivergenceOfIdenticalDistributionsIsZeroAndIgnoresZeroTargets() {
    float[] t = {0.25f, 0.75f, 0f, 1f};
    float[] logQ = {(float) Math.log(0.25), (float) Math.log(0.75), -5f, 0f};
    float[] g = new float[4];
    float kl = new KLDivergence().compute(logQ, t, 2, 2, g);
    assertThat((double) kl).isWithin(1e-7).of(0);
    assertThat(g).usingTolerance(1e-7).containsExactly(-0.125f, -0.375f, 0f, -0.5f).inOrder();
  }

  @Test
  void hingeAndMarginLossesAreZeroOnceTheMarginIsMet() {
    float[] g = new float[3];
    assertThat(new Hinge().compute(new float[] {2f, -3f, 1.5f}, new float[] {1f, -1f, 1f}, 1, 3, g)).isEqualTo(0f);
    assertThat(g).usingExactEquality().containsExactly(0f, 0f, 0f);
    assertThat(new MultiMargin().compute(new float[] {0f, 5f, 3.5f}, new int[] {1}, 1, 3, g)).isEqualTo(0f);
    assertThat(g).usingExactEquality().containsExactly(0f, 0f, 0f);
    // margin violated by 0.5 against class 2 only: loss 0.5 / width
    float m = new MultiMargin().compute(new float[] {0f, 5f, 4.5f}, new int[] {1}, 1, 3, g);
    assertThat((double) m).isWithin(1e-7).of(0.5 / 3);
    assertThat(g).usingTolerance(1e-7).containsExactly(0f, -1f / 3, 1f / 3).inOrder();
  }

  @Test
  void argumentsAreChecked() {
    Loss mse = new MeanSquaredError();
    float[] four = new float[4];
    assertThrows(IllegalArgumentException.class, () -> mse.compute(four, four, 2, 3, four));
    assertThrows(IllegalArgumentException.class, () -> mse.compute(four, new float[3], 2, 2, four));
    assertThrows(IllegalArgumentException.class, () -> mse.compute(four, four, 0, 2, four));
    assertThrows(IllegalArgumentException.class, () -> mse.compute(four, four, 2, 2, new float[3]));
    ClassLoss ce = new SoftmaxCrossEntropy();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ce.compute(four, new int[] {0, 2}, 2, 2, four));
    assertThat(e).hasMessageThat().contains("label 2");
    assertThrows(IllegalArgumentException.class, () -> ce.compute(four, new int[] {-1, 0}, 2, 2, four));
    assertThrows(IllegalArgumentException.class, () -> ce.compute(four, new int[] {0}, 2, 2, four));
    assertThrows(IllegalArgumentException.class, () -> new SmoothL1(-1));
    assertThrows(IllegalArgumentException.class, () -> new Huber(0));
    assertThrows(IllegalArgumentException.class, () -> new MultiMargin(3, 1));
  }

  @Test
  void smoothL1WithZeroBetaIsL1() {
    Rng rng = new Rng(3);
    float[] x = normal(rng, 12, 1);
    float[] t = normal(rng, 12, 1);
    float[] g1 = new float[12];
    float[] g2 = new float[12];
    float a = new SmoothL1(0).compute(x, t, BATCH, WIDTH, g1);
    float b = new MeanAbsoluteError().compute(x, t, BATCH, WIDTH, g2);
    assertThat(a).isEqualTo(b);
    assertThat(g1).isEqualTo(g2);
  }

  @Test
  void computingAllocatesNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter on this JVM");
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    Rng rng = new Rng(5);
    float[] x = normal(rng, 12, 1);
    float[] p = softmaxRows(x, BATCH, WIDTH);
    float[] t = oneHot(new int[] {1, 0, 3}, WIDTH);
    int[] labels = {1, 0, 3};
    float[] g = new float[12];
    Loss[] losses = {
      new MeanSquaredError(), new MeanAbsoluteError(), new SmoothL1(), new Huber(), new SoftmaxCrossEntropy(),
      new CrossEntropy(), new BinaryCrossEntropyWithLogits(), new BinaryCrossEntropy(), new KLDivergence(),
      new MultiMargin(), new Hinge(), new Exponential()
    };
    Runnable all =
        () -> {
          for (Loss loss : losses) {
            loss.compute(loss instanceof CrossEntropy || loss instanceof BinaryCrossEntropy ? p : x, t, 3, 4, g);
            if (loss instanceof ClassLoss c) {
              c.compute(x, labels, 3, 4, g);
            }
          }
        };
    for (int i = 0; i < 20_000; i++) {
      all.run(); // warm up: let the JIT compile, so what is measured is steady state
    }
    long tid = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(tid);
    for (int i = 0; i < 10_000; i++) {
      all.run();
    }
    long allocated = threads.getThreadAllocatedBytes(tid) - before;
    // one stray object (the counter itself may allocate) is tolerated; any per-call allocation would be >= 10 kB
    assertThat(allocated).isLessThan(1024L);
  }
}
