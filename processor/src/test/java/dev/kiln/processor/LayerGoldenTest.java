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
 * One test per PyTorch reference case of a single layer (dense, conv2d, conv_transpose2d, pool, activations
 * including PReLU, normalisations): the layer is written as a network interface from the case's configuration,
 * compiled by the processor, loaded with the case's weights, and its output, input gradient and parameter gradients
 * (and a batch norm's running statistics) are compared with PyTorch's.
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
  Stream<DynamicTest> convTranspose2d() {
    return cases("conv_transpose2d_", (config, file) -> TestNetworks.oneLayer(array(ints(config, "in_shape")), "",
        "@ConvTranspose(filters = " + (int) number(config, "filters") + ", kernel = " + array(ints(config, "kernel"))
            + ", stride = " + array(ints(config, "stride")) + ", padding = " + array(ints(config, "padding"))
            + ", outputPadding = " + array(ints(config, "output_padding"))
            + (ints(config, "dilation") != null ? ", dilation = " + array(ints(config, "dilation")) : "")
            + (Double.isNaN(number(config, "groups")) ? "" : ", groups = " + (int) number(config, "groups"))
            + ") ConvTransposeLayer layer();"));
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
        .map(file -> DynamicTest.dynamicTest(Golden.caseName(file), () -> run(file, (config, f) -> {
          int[] shape = ints(config, "shape");
          String act = string(config, "activation").toUpperCase(Locale.ROOT);
          double alpha = number(config, "alpha");
          String input = sampleShape(shape);
          if (act.equals("PRELU")) {
            // One learnable slope per channel, PyTorch's `weight`.
            return TestNetworks.oneLayer(input, "", "@PReLU PReluLayer layer();");
          }
          return TestNetworks.oneLayer(input, "", "@Activate(value = Activation." + act
              + (Double.isNaN(alpha) ? "" : ", alpha = " + alpha) + ") ActivationLayer layer();");
        })));
  }

  /**
   * Batch norm (train and eval, 1d and 2d), layer norm, group norm and instance norm: gamma and beta are the layer's
   * {@code weight} and {@code bias}; a batch norm starts from the case's running statistics and must end at
   * PyTorch's.
   */
  @TestFactory
  Stream<DynamicTest> norm() {
    return Golden.cases("norm_").stream()
        .map(file -> DynamicTest.dynamicTest(Golden.caseName(file), () -> runNorm(file)));
  }

  /** {@code {C, H, W}} or {@code {features}} from a batched shape. */
  private static String sampleShape(int[] shape) {
    return array(java.util.Arrays.copyOfRange(shape, 1, shape.length));
  }

  static void runNorm(Path path) {
    SafetensorsFile file = Golden.read(path);
    String config = Golden.config(file);
    String mode = string(config, "mode");
    String eps = Double.toString(number(config, "eps"));
    String layer;
    if (mode.startsWith("batchnorm")) {
      layer = "@BatchNorm(eps = " + eps + ", momentum = " + number(config, "momentum") + ") BatchNormLayer layer();";
    } else if (mode.equals("layernorm")) {
      layer = "@LayerNorm(eps = " + eps + ") NormLayer layer();";
    } else if (mode.equals("groupnorm")) {
      layer = "@GroupNorm(groups = " + (int) number(config, "groups") + ", eps = " + eps + ") NormLayer layer();";
    } else {
      layer = "@InstanceNorm(eps = " + eps + ") NormLayer layer();";
    }
    int[] shape = ints(config, "shape");
    Model model = TestNetworks.oneLayer(sampleShape(shape), "", layer);
    model.parameter("layer.weight").set(file.floats("gamma"));
    model.parameter("layer.bias").set(file.floats("beta"));
    boolean batchNorm = mode.startsWith("batchnorm");
    if (batchNorm) {
      model.parameter("layer.running_mean").set(file.floats("running_mean_before"));
      model.parameter("layer.running_var").set(file.floats("running_var_before"));
    }
    boolean training = !mode.endsWith("_eval");
    if (training) {
      model.train();
    } else {
      model.eval();
    }
    int batch = shape[0];
    Workspace ws = model.newWorkspace(batch);
    assertClose("output", file.floats("output"), model.forward(ws, file.floats("input"), batch));
    model.zeroGrad();
    assertClose("grad_input", file.floats("grad_input"), model.backward(ws, file.floats("grad_output")));
    assertClose("grad_gamma", file.floats("grad_gamma"), model.parameter("layer.weight").grad());
    assertClose("grad_beta", file.floats("grad_beta"), model.parameter("layer.bias").grad());
    if (batchNorm) {
      assertClose("running_mean", file.floats("running_mean_after"),
          model.parameter("layer.running_mean").value());
      assertClose("running_var", file.floats("running_var_after"), model.parameter("layer.running_var").value());
      com.google.common.truth.Truth.assertWithMessage("num_batches_tracked")
          .that(model.parameter("layer.num_batches_tracked").value()[0]).isEqualTo(training ? 1f : 0f);
    }
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
