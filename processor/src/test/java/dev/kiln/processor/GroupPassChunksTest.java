package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The default dense loops' group passes copy each chunk's values into the workspace's aligned arena, at most {@code
 * Methods.VALUES_PER_CHUNK} (258) entries at a time: a weight gradient's entries are the batch's samples, an input
 * gradient's the layer's outputs, so a batch or a layer wider than a chunk goes in several. Every other test runs
 * batches and layers of one chunk. Here a batch of 300 through a layer of 300 units, every value against
 * double-precision sums.
 */
class GroupPassChunksTest {
  private static final int BATCH = 300;
  private static final int IN = 20;
  private static final int HIDDEN = 300;
  private static final int OUT = 5;

  @Test
  void batchesAndLayersWiderThanAChunkGiveTheSums() {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = {" + IN + "}, seed = 3)\n"
        + "public interface Wide {\n"
        + "  @Dense(units = " + HIDDEN + ") DenseLayer a();\n"
        + "  @Dense(units = " + OUT + ") DenseLayer b();\n"
        + "}\n";
    Model model = TestNetworks.instantiate("test.Wide", source, "test.Kiln_Wide").train();
    Random random = new Random(11);
    float[] x = new float[BATCH * IN];
    for (int i = 0; i < x.length; i++) {
      // Some zeros, so the lists skip entries as they do after a ReLU.
      x[i] = random.nextInt(5) == 0 ? 0f : (float) random.nextGaussian();
    }
    float[] g = new float[BATCH * OUT];
    for (int i = 0; i < g.length; i++) {
      g[i] = random.nextInt(4) == 0 ? 0f : (float) random.nextGaussian();
    }
    Workspace ws = model.newWorkspace(BATCH);
    float[] y = model.forward(ws, x, BATCH).clone();
    model.backward(ws, g);

    float[] wa = model.parameter("a.weight").value();
    float[] ba = model.parameter("a.bias").value();
    float[] wb = model.parameter("b.weight").value();
    float[] bb = model.parameter("b.bias").value();
    double[] xd = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      xd[i] = x[i];
    }
    double[] h = dense(wa, ba, xd, IN, HIDDEN);
    assertClose("output", y, dense(wb, bb, h, HIDDEN, OUT));

    // b's weight gradient sums over the 300 samples; its input gradient (a's output gradient) over b's outputs.
    double[] gradWb = new double[OUT * HIDDEN];
    double[] gradH = new double[BATCH * HIDDEN];
    for (int n = 0; n < BATCH; n++) {
      for (int o = 0; o < OUT; o++) {
        double go = g[n * OUT + o];
        for (int i = 0; i < HIDDEN; i++) {
          gradWb[o * HIDDEN + i] += go * h[n * HIDDEN + i];
          gradH[n * HIDDEN + i] += go * wb[o * HIDDEN + i];
        }
      }
    }
    assertClose("b.weight gradient", model.parameter("b.weight").grad(), gradWb);
    // a's weight gradient: 300 outputs, each over the 300 samples' gradients.
    double[] gradWa = new double[HIDDEN * IN];
    for (int n = 0; n < BATCH; n++) {
      for (int o = 0; o < HIDDEN; o++) {
        for (int i = 0; i < IN; i++) {
          gradWa[o * IN + i] += gradH[n * HIDDEN + o] * x[n * IN + i];
        }
      }
    }
    assertClose("a.weight gradient", model.parameter("a.weight").grad(), gradWa);
  }


  /** A dense layer's outputs for the batch, in double precision: {@code out} sums per sample of {@code in} inputs. */
  private static double[] dense(float[] w, float[] b, double[] x, int in, int out) {
    double[] y = new double[BATCH * out];
    for (int n = 0; n < BATCH; n++) {
      for (int o = 0; o < out; o++) {
        double sum = b[o];
        for (int i = 0; i < in; i++) {
          sum += (double) w[o * in + i] * x[n * in + i];
        }
        y[n * out + o] = sum;
      }
    }
    return y;
  }

  private static void assertClose(String what, float[] actual, double[] expected) {
    assertWithMessage("%s length", what).that(actual.length).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      double tolerance = 1e-4 * Math.max(1, Math.abs(expected[i]));
      assertWithMessage("%s[%s]", what, i).that((double) actual[i]).isWithin(tolerance).of(expected[i]);
    }
  }
}
