package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.kernel.MultiplyAdd;
import java.util.Random;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A dense layer's backward pass, in the default kernels, is each gradient's products added one by one in the order
 * of the samples (weight and bias gradients) or of the outputs (input gradient), the zero gradients left out: the
 * same bits whether a group of four outputs (or samples) goes together over the union of their non-zero entries or
 * each goes alone over its own. Which of the two runs depends on how many gradients are zero
 * ({@code DenseCode.GROUP_PAYS}), so the patterns below make each run: every gradient non-zero (groups), one output
 * in four non-zero per sample (alone), and both kinds of group in one pass. Ten units and batches of 9 and 13
 * leave groups of fewer than four, which always go alone, and a layer of three units has no group of outputs.
 */
class DenseBackwardTest {
  private static final int IN = 37;

  @Test
  void everyGradientNonZeroGoesInGroups() {
    check("dense", 10, (n, o) -> 1);
  }

  @Test
  void oneOutputInFourPerSampleGoesAlone() {
    check("one in four", 10, (n, o) -> (n + o) % 4 == 0 ? 1 : 0);
  }

  @Test
  void groupsOfBothKindsInOnePass() {
    // Outputs 0-3 and samples 0-3 every gradient non-zero (their groups go together); outputs 4-7 and samples
    // 4-7 mostly one in four (alone).
    check("mixed", 10, (n, o) -> o < 4 || n < 4 || (n + o) % 4 == 0 ? 1 : 0);
  }

  @Test
  void fewerOutputsThanAGroupGoAlone() {
    // Three units: the weight gradient has no group code at all; the input gradient's samples still group.
    check("three units", 3, (n, o) -> 1);
  }

  private static void check(String pattern, int units, IntBinaryOperator live) {
    Model model = TestNetworks.oneLayer("{" + IN + "}", "", "@Dense(units = " + units + ") DenseLayer a();").train();
    float[] w = model.parameters().get(0).value();
    for (int batch : new int[] {9, 13, 16}) {
      Random random = new Random(batch);
      float[] x = new float[batch * IN];
      for (int i = 0; i < x.length; i++) {
        x[i] = random.nextInt(4) == 0 ? 0f : (float) random.nextGaussian();
      }
      float[] g = new float[batch * units];
      for (int n = 0; n < batch; n++) {
        for (int o = 0; o < units; o++) {
          g[n * units + o] = live.applyAsInt(n, o) == 1 ? (float) random.nextGaussian() : 0f;
        }
      }
      Workspace ws = model.newPrivateWorkspace(batch);
      ws.zeroGradients();
      float[] gw = ws.gradients()[0];
      float[] gb = ws.gradients()[1];
      // Gradients already there, which the pass adds to.
      for (int i = 0; i < gw.length; i++) {
        gw[i] = (float) random.nextGaussian();
      }
      for (int o = 0; o < units; o++) {
        gb[o] = (float) random.nextGaussian();
      }
      float[] expectedW = gw.clone();
      float[] expectedB = gb.clone();
      for (int o = 0; o < units; o++) {
        float sum = 0f;
        for (int n = 0; n < batch; n++) {
          float v = g[n * units + o];
          if (v != 0f) {
            sum += v;
            for (int i = 0; i < IN; i++) {
              expectedW[o * IN + i] = MultiplyAdd.madd(v, x[n * IN + i], expectedW[o * IN + i]);
            }
          }
        }
        expectedB[o] += sum;
      }
      float[] expectedX = new float[batch * IN];
      for (int n = 0; n < batch; n++) {
        for (int o = 0; o < units; o++) {
          float v = g[n * units + o];
          if (v != 0f) {
            for (int i = 0; i < IN; i++) {
              expectedX[n * IN + i] = MultiplyAdd.madd(v, w[o * IN + i], expectedX[n * IN + i]);
            }
          }
        }
      }

      model.forward(ws, x, batch);
      float[] gx = model.backward(ws, g);

      String what = pattern + ", batch " + batch;
      assertSame(what + ", weight gradient", expectedW, ws.gradients()[0]);
      assertSame(what + ", bias gradient", expectedB, ws.gradients()[1]);
      assertSame(what + ", input gradient", expectedX, gx);
    }
  }

  private static void assertSame(String what, float[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertWithMessage("%s [%s]", what, i).that(actual[i]).isEqualTo(expected[i]);
    }
  }
}
