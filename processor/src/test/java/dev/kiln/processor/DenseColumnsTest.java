package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A narrow dense layer (3, 4 or 6 to 31 units) takes a batch's samples as a convolution takes positions ({@code
 * DenseModel.outputsAsFilters}, {@code DenseCode.columnsMethods}): chunks of up to 80 samples laid out as column rows,
 * blocks of three or four outputs summed over them; a remainder under 16 at the batch's start goes through the
 * transposed weight's rows. Every sample must get the sums it gets alone, bit for bit, whatever chunk it falls in,
 * whatever an earlier call left in the column rows past a short chunk, with zeros (of either sign) among the inputs;
 * and the sums must be the layer's, against double precision.
 */
class DenseColumnsTest {
  private static final int IN = 100; // leaves one row to the passes of three and four to the eight-row transpose

  @ParameterizedTest(name = "{0} units, bias {1}, {2}")
  @CsvSource({"10, true, identity", "3, true, identity", "4, false, identity", "13, true, relu", "17, false, relu",
      "31, true, identity"})
  void everySampleGetsItsOwnSumsInEveryChunk(int units, boolean bias, String activation) throws Exception {
    Model model = network(units, bias, activation);
    model.getClass().getDeclaredMethod("dForwardColumns", float[].class, float[].class, float[].class,
        float[].class, float[][].class, float[].class, int.class, int.class);
    model.eval();
    int most = 150;
    float[] x = inputs(most, 31 * units);
    Workspace batch = model.newWorkspace(most);
    Workspace one = model.newWorkspace(1);
    float[][] alone = new float[most][];
    for (int n = 0; n < most; n++) {
      alone[n] = model.forward(one, Arrays.copyOfRange(x, n * IN, (n + 1) * IN), 1).clone();
    }
    // Whole chunks, short ones after long ones (stale column values past them), remainders under 16 first.
    for (int size : new int[] {150, 16, 100, 40, 64, 85, 15, 129, 1, 90, 150}) {
      float[] y = model.forward(batch, x, size);
      for (int n = 0; n < size; n++) {
        TestNetworks.assertSameBits("batch " + size + ", sample " + n, alone[n],
            Arrays.copyOfRange(y, n * units, (n + 1) * units));
      }
    }
    float[] y = model.forward(batch, x, most);
    float[] w = model.parameter("d.weight").value();
    float[] b = bias ? model.parameter("d.bias").value() : new float[units];
    for (int n = 0; n < most; n++) {
      for (int o = 0; o < units; o++) {
        double sum = b[o];
        for (int i = 0; i < IN; i++) {
          sum += (double) w[o * IN + i] * x[n * IN + i];
        }
        double expected = activation.equals("relu") ? Math.max(0, sum) : sum;
        assertThat((double) y[n * units + o]).isWithin(1e-4 * Math.max(1, Math.abs(expected))).of(expected);
      }
    }
  }

  @ParameterizedTest(name = "{0} units")
  @CsvSource({"2", "5", "32"})
  void widerAndNarrowerLayersKeepTheRows(int units) throws Exception {
    Model model = network(units, true, "identity");
    assertThrows(NoSuchMethodException.class, () -> model.getClass().getDeclaredMethod("dForwardColumns",
        float[].class, float[].class, float[].class, float[].class, float[][].class, float[].class, int.class,
        int.class));
  }

  private static Model network(int units, boolean bias, String activation) throws Exception {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = {" + IN + "}, seed = 11)\n"
        + "public interface Narrow {\n"
        + "  @Dense(units = " + units + ", bias = " + bias + ", activation = Activation."
        + activation.toUpperCase(java.util.Locale.ROOT) + ") DenseLayer d();\n"
        + "}\n";
    return TestNetworks.instantiate("test.Narrow", source, "test.Kiln_Narrow");
  }

  /** {@code count} samples of Gaussian inputs; input 37 zero in every sample, others zero (or -0) at random. */
  private static float[] inputs(int count, long seed) {
    Random random = new Random(seed);
    float[] x = new float[count * IN];
    for (int n = 0; n < count; n++) {
      for (int i = 0; i < IN; i++) {
        float v = (float) random.nextGaussian();
        if (i == 37) {
          v = n % 2 == 0 ? 0f : -0f;
        } else if (random.nextInt(4) == 0) {
          v = random.nextBoolean() ? 0f : -0f;
        }
        x[n * IN + i] = v;
      }
    }
    return x;
  }
}
