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
    // output, input and weight rows; its packed weight.
    assertWithMessage("matrices checked").that(matrices).isAtLeast(10);
  }

  /**
   * The rows the dense layers' aligned loops read hold their data from {@code AlignedArena.FIRST} and the loops run
   * past it to one more than a multiple of 16, so those rows are at least that long, and the workspace's arena,
   * allocated by {@code AlignedArena}, holds four slots of the layer's widest row.
   */
  @Test
  void denseRowsAndArenaHoldTheAlignedLoopsReach() throws Exception {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = {37}, seed = 1)\n"
        + "public interface Net {\n"
        + "  @Dense(units = 70) DenseLayer a();\n"
        + "  @Dense(units = 3) DenseLayer b();\n"
        + "}\n";
    Model model = TestNetworks.instantiate("test.Net", source, "test.Kiln_Net");
    Workspace ws = model.train().newWorkspace(5);
    float[] input = new float[5 * 37];
    java.util.Arrays.fill(input, 0.5f);
    model.forward(ws, input, 5);
    model.backward(ws, new float[5 * 3]);
    int reach = 11 + 80 + 1;  // a's 70 outputs run to 81 floats from index 11
    for (String name : new String[] {"aPacked"}) {
      Field field = model.getClass().getDeclaredField(name);
      field.setAccessible(true);
      for (float[] row : (float[][]) field.get(model)) {
        assertWithMessage("%s row length", name).that(row.length).isAtLeast(reach);
      }
    }
    // a's weight rows (37 floats) run to 49 floats from index 11 in the input gradient; b's input rows (70) to 81.
    for (String[] rows : new String[][] {{"aWeightRows", "60"}, {"bInputRows", "92"}}) {
      Field field = ws.getClass().getDeclaredField(rows[0]);
      field.setAccessible(true);
      for (float[] row : (float[][]) field.get(ws)) {
        if (row != null) {
          assertWithMessage("%s row length", rows[0]).that(row.length).isAtLeast(Integer.parseInt(rows[1]));
        }
      }
    }
    Field arena = ws.getClass().getDeclaredField("aligned");
    arena.setAccessible(true);
    // Four slots of 81 floats rounded up to 96, from index 11.
    assertWithMessage("arena length").that(((float[]) arena.get(ws)).length)
        .isEqualTo(dev.kiln.runtime.kernel.AlignedArena.allocate(11 + 4 * 96).length);
  }
}
