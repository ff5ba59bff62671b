package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A dense layer's forward pass takes four samples at a time; a block of inputs none of which is zero in all four goes
 * through the passes that read the values from the input in order ({@code Methods.groupInputPassesMethod}), any other
 * through the listing that leaves those inputs out. Both must give each sample the sums it gets alone (one sample
 * lists its own non-zero inputs), bit for bit: a batch of twelve whose first group has no zero, whose second has an
 * input zero in all four samples (the listing), and whose third has zeros in some samples but no input zero in all
 * four (the passes in order, adding {@code 0 * w} for a sample's zeros); 100 inputs, so a pass of three leaves one.
 */
class DenseInputPassesTest {
  private static final int IN = 100;
  private static final int UNITS = 24;
  private static final int BATCH = 12;

  @Test
  void inputsInOrderAndListedGiveEachSampleItsOwnSums() throws Exception {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = {" + IN + "}, seed = 5)\n"
        + "public interface Wide {\n"
        + "  @Dense(units = " + UNITS + ") DenseLayer d();\n"
        + "}\n";
    Model model = TestNetworks.instantiate("test.Wide", source, "test.Kiln_Wide");
    model.getClass().getDeclaredMethod("dAddInputs" + UNITS, float[].class, float[][].class, float[].class,
        int.class, int.class, int.class);
    model.eval();
    Random random = new Random(23);
    float[] x = new float[BATCH * IN];
    for (int n = 0; n < BATCH; n++) {
      for (int i = 0; i < IN; i++) {
        float v = (float) random.nextGaussian();
        if (n >= 4 && n < 8 && i == 37) {
          v = n == 5 ? -0f : 0f; // the second group: input 37 zero (of either sign) in all four samples
        } else if (n >= 8 && random.nextInt(3) == 0 && i % 4 != n % 4) {
          v = 0f; // the third: zeros in some samples, never in all four at once
        }
        x[n * IN + i] = v;
      }
    }
    Workspace batch = model.newWorkspace(BATCH);
    float[] y = model.forward(batch, x, BATCH).clone();
    Workspace one = model.newWorkspace(1);
    for (int n = 0; n < BATCH; n++) {
      float[] alone = model.forward(one, Arrays.copyOfRange(x, n * IN, (n + 1) * IN), 1);
      TestNetworks.assertSameBits("sample " + n, alone, Arrays.copyOfRange(y, n * UNITS, (n + 1) * UNITS));
    }
    // And the sums themselves, against double precision.
    float[] w = model.parameter("d.weight").value();
    float[] b = model.parameter("d.bias").value();
    for (int n = 0; n < BATCH; n++) {
      for (int o = 0; o < UNITS; o++) {
        double sum = b[o];
        for (int i = 0; i < IN; i++) {
          sum += (double) w[o * IN + i] * x[n * IN + i];
        }
        assertThat((double) y[n * UNITS + o]).isWithin(1e-4 * Math.max(1, Math.abs(sum))).of(sum);
      }
    }
  }
}
