package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Workspace;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference gradient checks: for the scalar {@code L = sum(output * r)} with a fixed random {@code r}, the
 * gradients backward computes (for the input and every parameter) must match central differences of L, which are
 * accumulated in float64 on the test side. Covers every layer type and every activation, fused and standalone.
 */
class GradientCheckTest {
  static Stream<Arguments> layers() {
    return Stream.of(
        Arguments.of("dense", "{7}", "@Dense(units = 5) DenseLayer a();"),
        Arguments.of("dense_no_bias_image_input", "{2, 3, 3}", "@Dense(units = 4, bias = false) DenseLayer a();"),
        Arguments.of("conv", "{3, 6, 6}", "@Conv(filters = 4, kernel = 3, padding = 1) ConvLayer a();"),
        Arguments.of("conv_stride_dilation", "{2, 9, 8}",
            "@Conv(filters = 3, kernel = {3, 2}, stride = {2, 3}, padding = {2, 1}, dilation = 2) ConvLayer a();"),
        Arguments.of("conv_groups", "{4, 5, 5}", "@Conv(filters = 6, kernel = 3, groups = 2) ConvLayer a();"),
        Arguments.of("conv_depthwise_no_bias", "{3, 5, 5}",
            "@Conv(filters = 3, kernel = 3, padding = 1, groups = 3, bias = false) ConvLayer a();"),
        Arguments.of("pool_max", "{2, 6, 6}", "@Pool(size = 2) PoolLayer a();"),
        Arguments.of("pool_max_padded", "{2, 7, 5}", "@Pool(size = 3, stride = 2, padding = 1) PoolLayer a();"),
        Arguments.of("pool_avg_padded", "{2, 5, 5}",
            "@Pool(mode = PoolMode.AVG, size = 3, stride = 1, padding = 1) PoolLayer a();"),
        Arguments.of("global_avg", "{3, 4, 5}", "@GlobalPool(PoolMode.AVG) PoolLayer a();"),
        Arguments.of("global_max", "{3, 4, 5}", "@GlobalPool(PoolMode.MAX) PoolLayer a();"),
        Arguments.of("flatten_then_dense", "{2, 3, 3}",
            "@Flatten FlattenLayer a(); @Dense(units = 3) DenseLayer b();"),
        Arguments.of("conv_pool_dense", "{1, 8, 8}",
            "@Conv(filters = 2, kernel = 3, activation = Activation.TANH) ConvLayer a(); @Pool(size = 2) PoolLayer b();"
                + " @Dense(units = 3, activation = Activation.SOFTMAX) DenseLayer c();"));
  }

  static Stream<Arguments> activations() {
    return Stream.of("IDENTITY", "RELU", "LEAKY_RELU", "SIGMOID", "TANH", "ELU", "SOFTPLUS", "GELU", "SILU",
            "SOFTMAX", "LOG_SOFTMAX")
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void layer(String name, String input, String layers) {
    check(name, TestNetworks.oneLayer(input, "", layers));
  }

  @ParameterizedTest(name = "fused {0}")
  @MethodSource("activations")
  void fusedActivation(String activation) {
    check(activation, TestNetworks.oneLayer("{6}", "",
        "@Dense(units = 5, activation = Activation." + activation + ", alpha = 0.3) DenseLayer a();"));
  }

  @ParameterizedTest(name = "standalone {0} on images")
  @MethodSource("activations")
  void standaloneActivation(String activation) {
    check(activation, TestNetworks.oneLayer("{3, 2, 2}", "",
        "@Activate(value = Activation." + activation + ", alpha = 0.3) ActivationLayer a();"));
  }

  @ParameterizedTest(name = "fused {0} on a conv")
  @MethodSource("activations")
  void convActivation(String activation) {
    check(activation, TestNetworks.oneLayer("{2, 4, 4}", "",
        "@Conv(filters = 3, kernel = 3, activation = Activation." + activation + ", alpha = 0.3) ConvLayer a();"));
  }

  /** Compares backward's gradients with central differences for a batch of 2. */
  static void check(String name, Model model) {
    Rng rng = new Rng(name.hashCode());
    int batch = 2;
    int inSize = model.inputShape().size();
    int outSize = model.outputShape().size();
    float[] x = new float[batch * inSize];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    double[] r = new double[batch * outSize];
    float[] rf = new float[r.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = rng.nextGaussian();
      rf[i] = (float) r[i];
    }
    for (Parameter p : model.parameters()) {
      for (int i = 0; i < p.size(); i++) {
        p.value()[i] += (float) (0.1 * rng.nextGaussian()); // biases off zero too
      }
    }
    model.train();
    Workspace ws = model.newWorkspace(batch);
    model.forward(ws, x, batch);
    model.zeroGrad();
    float[] gx = model.backward(ws, rf).clone();
    compare(name + " input", gx, x, model, ws, r, batch);
    for (Parameter p : model.parameters()) {
      compare(name + " " + p.name(), p.grad().clone(), p.value(), model, ws, r, batch);
      // restore x-independence: parameters changed only transiently inside compare
    }
  }

  /** Central differences of L with respect to every entry of {@code values}, against {@code analytic}. */
  private static void compare(String what, float[] analytic, float[] values, Model model, Workspace ws, double[] r,
      int batch) {
    float[] input = ws.input();
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < analytic.length; i++) {
      float saved = values[i];
      double h = 1e-3 * Math.max(1, Math.abs(saved));
      values[i] = (float) (saved + h);
      double plus = objective(model, ws, input, r, batch);
      values[i] = (float) (saved - h);
      double minus = objective(model, ws, input, r, batch);
      values[i] = saved;
      double numeric = (plus - minus) / (2 * h);
      diff += (numeric - analytic[i]) * (numeric - analytic[i]);
      norm += numeric * numeric;
    }
    double relative = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-3);
    assertWithMessage("%s: relative gradient error (|numeric - analytic| / |numeric|)", what)
        .that(relative).isLessThan(2e-2);
  }

  private static double objective(Model model, Workspace ws, float[] input, double[] r, int batch) {
    float[] out = model.forward(ws, input, batch);
    double sum = 0;
    for (int i = 0; i < r.length; i++) {
      sum += out[i] * r[i];
    }
    return sum;
  }
}
