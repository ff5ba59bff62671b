package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * The rows of every scratch matrix of a generated workspace, and of a dense layer's packed weight, are allocated a
 * whole number of 64-byte cache lines long (with the 16-byte array header), so that rows allocated one after another
 * all start at the same offset within a line and a vectorised loop aligned to one of them is aligned to all. (The
 * packed weight is made on the forward pass's first use, so the test runs one.)
 */
class AlignedRowsTest {
  @Test
  void matrixRowsAreWholeCacheLines() throws Exception {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = {3, 10, 10}, seed = 1)\n"
        + "public interface Net {\n"
        + "  @Conv(filters = 5, kernel = 3, activation = Activation.RELU) ConvLayer a();\n"
        + "  @Pool(size = 2) PoolLayer p();\n"
        + "  @Dense(units = 7) DenseLayer d();\n"
        + "}\n";
    Model model = TestNetworks.instantiate("test.Net", source, "test.Kiln_Net");
    Workspace ws = model.newWorkspace(3);
    model.forward(ws, new float[3 * model.inputShape().size()], 3);
    int matrices = 0;
    for (Object owner : new Object[] {ws, model}) {
      for (Field field : owner.getClass().getDeclaredFields()) {
        if (field.getType() != float[][].class) {
          continue;
        }
        field.setAccessible(true);
        for (float[] row : (float[][]) field.get(owner)) {
          if (row == null) {
            continue; // the outer array's padding
          }
          assertWithMessage("%s row length", field.getName()).that((16 + 4 * row.length) % 64).isEqualTo(0);
        }
        matrices++;
      }
    }
    // The convolution's columns, sums, rows, row gradients, weight and weight-gradient rows; the dense layer's
    // output, sum, input and weight rows; its packed weight.
    assertWithMessage("matrices checked").that(matrices).isAtLeast(11);
  }
}
