package dev.kiln.processor;

import static dev.kiln.processor.Golden.array;
import static dev.kiln.processor.Golden.assertClose;
import static dev.kiln.processor.Golden.ints;
import static dev.kiln.processor.Golden.number;
import static dev.kiln.processor.Golden.string;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.io.SafetensorsFile;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One test per PyTorch reference case of a single layer (dense, conv2d, pool, activations): the layer is written as
 * a network interface from the case's configuration, compiled by the processor, loaded with the case's weights,
 * and its output, input gradient and parameter gradients are compared with PyTorch's.
 */
class LayerGoldenTest {
  @TestFactory
  Stream<DynamicTest> dense() {
    return cases("dense_", (config, file) -> {
      int in = (int) number(config, "in");
      return TestNetworks.oneLayer("{" + in + "}", "",
          "@Dense(units = " + (int) number(config, "units") + ", bias = " + Golden.bool(config, "bias")
              + ") DenseLayer layer();");
    });
  }

  @TestFactory
  Stream<DynamicTest> conv2d() {
    return cases("conv2d_", (config, file) -> TestNetworks.oneLayer(array(ints(config, "in_shape")), "",
        "@Conv(filters = " + (int) number(config, "filters") + ", kernel = " + array(ints(config, "kernel"))
            + ", stride = " + array(ints(config, "stride")) + ", padding = " + array(ints(config, "padding"))
            + ", dilation = " + array(ints(config, "dilation")) + ", groups = " + (int) number(config, "groups")
            + ") ConvLayer layer();"));
  }

  @TestFactory
  Stream<DynamicTest> pool() {
    return cases("pool_", (config, file) -> {
      String mode = string(config, "mode");
      String layer = switch (mode) {
        case "global_avg" -> "@GlobalPool(PoolMode.AVG) PoolLayer layer();";
        case "global_max" -> "@GlobalPool(PoolMode.MAX) PoolLayer layer();";
        default -> "@Pool(mode = PoolMode." + mode.toUpperCase(Locale.ROOT) + ", size = "
            + array(ints(config, "size")) + ", stride = " + array(ints(config, "stride")) + ", padding = "
            + array(ints(config, "padding")) + ") PoolLayer layer();";
      };
      return TestNetworks.oneLayer(array(ints(config, "in_shape")), "", layer);
    });
  }

  @TestFactory
  Stream<DynamicTest> activations() {
    return Golden.cases("act_").stream()
        .filter(p -> !Golden.caseName(p).equals("act_prelu")) // a learnable activation: the normalisation issue
        .map(file -> DynamicTest.dynamicTest(Golden.caseName(file), () -> run(file, (config, f) -> {
          int[] shape = ints(config, "shape");
          String act = string(config, "activation").toUpperCase(Locale.ROOT);
          double alpha = number(config, "alpha");
          String input = shape.length == 2 ? "{" + shape[1] + "}" : array(java.util.Arrays.copyOfRange(shape, 1,
              shape.length));
          return TestNetworks.oneLayer(input, "", "@Activate(value = Activation." + act
              + (Double.isNaN(alpha) ? "" : ", alpha = " + alpha) + ") ActivationLayer layer();");
        })));
  }

  interface NetworkFor {
    Model build(String config, SafetensorsFile file);
  }

  private static Stream<DynamicTest> cases(String prefix, NetworkFor network) {
    return Golden.cases(prefix).stream()
        .map(file -> DynamicTest.dynamicTest(Golden.caseName(file), () -> run(file, network)));
  }

  /** Runs one case: forward, then backward from PyTorch's output gradient, comparing everything it has. */
  static void run(Path path, NetworkFor network) {
    SafetensorsFile file = Golden.read(path);
    String config = Golden.config(file);
    Model model = network.build(config, file);
    for (String tensor : new String[] {"weight", "bias"}) {
      if (file.contains(tensor)) {
        model.parameter("layer." + tensor).set(file.floats(tensor));
      }
    }
    int batch = (int) file.shape("input")[0];
    Workspace ws = model.newWorkspace(batch);
    model.train();
    float[] output = model.forward(ws, file.floats("input"), batch);
    assertClose("output", file.floats("output"), output);
    model.zeroGrad();
    float[] gradInput = model.backward(ws, file.floats("grad_output"));
    assertClose("grad_input", file.floats("grad_input"), gradInput);
    for (String tensor : new String[] {"weight", "bias"}) {
      if (file.contains("grad_" + tensor)) {
        assertClose("grad_" + tensor, file.floats("grad_" + tensor), model.parameter("layer." + tensor).grad());
      }
    }
  }
}
