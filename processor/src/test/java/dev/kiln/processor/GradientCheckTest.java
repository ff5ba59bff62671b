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
 * accumulated in float64 on the test side. Covers every layer type and every activation, fused and standalone, and
 * residual connections. Layers that draw random numbers in training mode (dropout, RReLU, stochastic pooling) are
 * checked with the workspace's generator restored to the same state before every forward pass, so each pass draws
 * the same mask.
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
        // One tap per filter: the forward pass's only pass over the columns is its first, which starts from the bias,
        // for a group of four filters; the fifth starts from a row filled with its bias.
        Arguments.of("conv_single_tap", "{1, 4, 5}", "@Conv(filters = 5, kernel = 1) ConvLayer a();"),
        // More than 32 taps per filter: the weight gradient goes through im2row rows, each window but a row's first
        // copied from the one before where the horizontal stride equals the dilation (1 and 1, 2 and 2), not so
        // where they differ.
        Arguments.of("conv_im2row", "{4, 6, 7}", "@Conv(filters = 3, kernel = 3, padding = 1) ConvLayer a();"),
        Arguments.of("conv_im2row_stride_dilation", "{4, 9, 10}",
            "@Conv(filters = 2, kernel = 3, stride = 2, dilation = 2) ConvLayer a();"),
        Arguments.of("conv_im2row_stride", "{4, 7, 7}", "@Conv(filters = 2, kernel = 3, stride = 2) ConvLayer a();"),
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
                + " @Dense(units = 3, activation = Activation.SOFTMAX) DenseLayer c();"),
        // A 2x2 max pool right after a convolution: the convolution's kernels pool and take the pool's gradient
        // from its winners (summed straight from the image with 18 taps; from im2row rows with 36; two groups).
        Arguments.of("conv_pool_in_kernel_direct", "{2, 6, 7}",
            "@Conv(filters = 3, kernel = 3, padding = 1) ConvLayer a(); @Pool(size = 2) PoolLayer b();"
                + " @Dense(units = 3) DenseLayer c();"),
        Arguments.of("conv_pool_in_kernel_rows", "{4, 7, 6}",
            "@Conv(filters = 4, kernel = 3) ConvLayer a(); @Pool(size = 2) PoolLayer b();"
                + " @Conv(filters = 2, kernel = 2) ConvLayer c();"),
        Arguments.of("conv_pool_in_kernel_groups", "{4, 6, 6}",
            "@Conv(filters = 4, kernel = 3, padding = 1, groups = 2) ConvLayer a(); @Pool(size = 2) PoolLayer b();"
                + " @Dense(units = 2) DenseLayer c();"));
  }

  /** Name, input shape, layers, training mode, and whether each forward pass must draw the same random numbers. */
  static Stream<Arguments> newLayers() {
    return Stream.of(
        Arguments.of("batchnorm_vector", "{5}", "@BatchNorm BatchNormLayer a();", true, false),
        Arguments.of("batchnorm_image_tanh", "{3, 4, 4}",
            "@BatchNorm(activation = Activation.TANH, momentum = 0.3) BatchNormLayer a();", true, false),
        Arguments.of("dense_batchnorm", "{6}",
            "@Dense(units = 4, bias = false) DenseLayer a(); @BatchNorm BatchNormLayer b();", true, false),
        Arguments.of("batchnorm_eval", "{3, 2, 2}", "@BatchNorm(activation = Activation.ELU) BatchNormLayer a();",
            false, false),
        // Inference folds these batch norms into their convolutions; backward runs the layers unfolded first.
        Arguments.of("conv_batchnorm_relu_eval", "{2, 5, 5}",
            "@Conv(filters = 3, kernel = 3, padding = 1) ConvLayer a();"
                + " @BatchNorm(activation = Activation.RELU) BatchNormLayer b(); @Pool(size = 2) PoolLayer c();"
                + " @Conv(filters = 2, kernel = 2, bias = false) ConvLayer d(); @BatchNorm BatchNormLayer e();",
            false, false),
        Arguments.of("conv_batchnorm_elu_eval", "{2, 4, 4}",
            "@Conv(filters = 3, kernel = 3, stride = 2, padding = 1) ConvLayer a();"
                + " @BatchNorm(activation = Activation.ELU) BatchNormLayer b(); @Dense(units = 3) DenseLayer c();",
            false, false),
        Arguments.of("max_pool_eval", "{2, 4, 4}", "@Pool(size = 2) PoolLayer a();", false, false),
        Arguments.of("max_pool_3x3_eval", "{2, 5, 5}", "@Pool(size = 3, stride = 2, padding = 1) PoolLayer a();",
            false, false),
        Arguments.of("layernorm_image", "{2, 3, 3}", "@LayerNorm NormLayer a();", true, false),
        Arguments.of("layernorm_vector_relu", "{6}", "@LayerNorm(activation = Activation.LEAKY_RELU) NormLayer a();",
            true, false),
        Arguments.of("groupnorm", "{4, 3, 3}", "@GroupNorm(groups = 2) NormLayer a();", true, false),
        Arguments.of("groupnorm_vector", "{6}", "@GroupNorm(groups = 3, eps = 1e-3) NormLayer a();", true, false),
        Arguments.of("instancenorm_silu", "{3, 3, 4}",
            "@InstanceNorm(activation = Activation.SILU) NormLayer a();", true, false),
        Arguments.of("dropout_p0", "{6}", "@Dropout(0.0) DropoutLayer a();", true, false),
        Arguments.of("dropout_seeded", "{2, 3, 3}", "@Dropout(0.5) DropoutLayer a();", true, true),
        Arguments.of("dropout_between_dense", "{6}",
            "@Dense(units = 8, activation = Activation.SIGMOID) DenseLayer a(); @Dropout(0.3) DropoutLayer b();"
                + " @Dense(units = 3) DenseLayer c();", true, true),
        Arguments.of("gaussian_dropout", "{6}", "@Dropout(value = 0.3, gaussian = true) DropoutLayer a();", true,
            true),
        Arguments.of("dropout_eval", "{6}", "@Dropout(0.5) DropoutLayer a();", false, false),
        Arguments.of("prelu_image", "{3, 3, 3}", "@PReLU PReluLayer a();", true, false),
        Arguments.of("prelu_one_slope", "{5}", "@PReLU(shared = true, slope = 0.1) PReluLayer a();", true, false),
        Arguments.of("rrelu", "{2, 3, 3}", "@RReLU ActivationLayer a();", true, true),
        Arguments.of("rrelu_eval", "{2, 3, 3}", "@RReLU(lower = 0.1, upper = 0.5) ActivationLayer a();", false,
            false),
        Arguments.of("conv_transpose", "{3, 4, 4}",
            "@ConvTranspose(filters = 2, kernel = 3, stride = 2, padding = 1, outputPadding = 1)"
                + " ConvTransposeLayer a();", true, false),
        Arguments.of("conv_transpose_dilation_groups", "{4, 3, 5}",
            "@ConvTranspose(filters = 6, kernel = {2, 3}, stride = {1, 2}, padding = {1, 0}, outputPadding = {0, 1},"
                + " dilation = 2, groups = 2) ConvTransposeLayer a();", true, false),
        Arguments.of("conv_transpose_tanh_no_bias", "{2, 3, 3}",
            "@ConvTranspose(filters = 3, kernel = 2, stride = 3, bias = false, activation = Activation.TANH)"
                + " ConvTransposeLayer a();", true, false),
        Arguments.of("stochastic_pool", "{2, 4, 4}", "@Pool(size = 2, mode = PoolMode.STOCHASTIC) PoolLayer a();",
            true, true),
        Arguments.of("stochastic_pool_padded", "{2, 5, 5}",
            "@Pool(size = 3, stride = 2, padding = 1, mode = PoolMode.STOCHASTIC) PoolLayer a();", true, true),
        Arguments.of("stochastic_pool_eval", "{2, 5, 5}",
            "@Pool(size = 3, stride = 2, padding = 1, mode = PoolMode.STOCHASTIC) PoolLayer a();", false, false),
        Arguments.of("global_stochastic_eval", "{3, 3, 3}", "@GlobalPool(PoolMode.STOCHASTIC) PoolLayer a();",
            false, false),
        Arguments.of("residual_from_input", "{3, 4, 4}",
            "@Conv(filters = 3, kernel = 3, padding = 1) @Residual(from = \"input\") ConvLayer a();", true, false),
        Arguments.of("residual_over_fused_activation", "{6}",
            "@Dense(units = 6, activation = Activation.TANH) DenseLayer a();"
                + " @Dense(units = 6, activation = Activation.SIGMOID) @Residual(from = \"a\") DenseLayer b();"
                + " @Dense(units = 3) DenseLayer c();", true, false),
        Arguments.of("residual_chain", "{2, 4, 4}",
            "@Conv(filters = 2, kernel = 3, padding = 1, activation = Activation.TANH) ConvLayer a();"
                + " @BatchNorm BatchNormLayer b();"
                + " @Conv(filters = 2, kernel = 3, padding = 1) @Residual(from = \"a\") ConvLayer c();"
                + " @BatchNorm(activation = Activation.ELU) @Residual(from = \"c\") BatchNormLayer d();"
                + " @Flatten FlattenLayer f();"
                + " @Dense(units = 32, activation = Activation.TANH) @Residual(from = \"f\") DenseLayer g();"
                + " @Dense(units = 3) DenseLayer h();", true, false),
        Arguments.of("residual_two_targets", "{5}",
            "@Dense(units = 5, activation = Activation.TANH) DenseLayer a();"
                + " @Dense(units = 5) @Residual(from = \"a\") DenseLayer b();"
                + " @Dense(units = 5, activation = Activation.SOFTPLUS) @Residual(from = \"a\") DenseLayer c();"
                + " @Activate(Activation.TANH) @Residual(from = \"input\") ActivationLayer d();", true, false),
        // The convolution before the pool is also a residual's source: its output gradient takes the residual's
        // share too, so its backward must not take the pool's gradient from the winners alone.
        Arguments.of("residual_from_pooled_conv", "{2, 6, 6}",
            "@Conv(filters = 2, kernel = 3, padding = 1) ConvLayer a(); @Pool(size = 2) PoolLayer p();"
                + " @ConvTranspose(filters = 2, kernel = {2}, stride = {2}) @Residual(from = \"a\") ConvTransposeLayer u();"
                + " @Dense(units = 2) DenseLayer d();", true, false),
        Arguments.of("residual_into_flatten", "{2, 2, 2}",
            "@Flatten FlattenLayer f(); @Dense(units = 8) DenseLayer g();"
                + " @Flatten @Residual(from = \"g\") FlattenLayer h(); @Dense(units = 2) DenseLayer i();", true,
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("newLayers")
  void newLayer(String name, String input, String layers, boolean training, boolean reseed) {
    check(name, TestNetworks.oneLayer(input, "", layers), training, reseed, 3);
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

  /** Compares backward's gradients with central differences for a batch of 2, in training mode. */
  static void check(String name, Model model) {
    check(name, model, true, false, 2);
  }

  /**
   * Compares backward's gradients with central differences.
   *
   * @param reseed restore the workspace's generator before every forward pass, so random layers repeat their draws
   * @param batch at least 3 for a batch norm of vectors: with 2 samples each normalised value is +-1 whatever the
   *     input, and the input gradient is nothing but rounding
   */
  static void check(String name, Model model, boolean training, boolean reseed, int batch) {
    Rng rng = new Rng(name.hashCode());
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
      p.markModified();
    }
    if (training) {
      model.train();
    } else {
      model.eval();
    }
    Workspace ws = model.newWorkspace(batch);
    long state = reseed ? ws.rng().state() : 0;
    Runnable before = reseed ? () -> ws.rng().setState(state) : () -> {};
    before.run();
    model.forward(ws, x, batch);
    model.zeroGrad();
    float[] gx = model.backward(ws, rf).clone();
    compare(name + " input", gx, x, model, ws, r, batch, before);
    for (Parameter p : model.parameters()) {
      compare(name + " " + p.name(), p.grad().clone(), p.value(), model, ws, r, batch, before);
      // restore x-independence: parameters changed only transiently inside compare
    }
  }

  /** Central differences of L with respect to every entry of {@code values}, against {@code analytic}. */
  private static void compare(String what, float[] analytic, float[] values, Model model, Workspace ws, double[] r,
      int batch, Runnable beforeForward) {
    float[] input = ws.input();
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < analytic.length; i++) {
      float saved = values[i];
      double h = 1e-3 * Math.max(1, Math.abs(saved));
      values[i] = (float) (saved + h);
      beforeForward.run();
      double plus = objective(model, ws, input, r, batch);
      values[i] = (float) (saved - h);
      beforeForward.run();
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
    for (Parameter p : model.parameters()) {
      p.markModified(); // the check writes values in place
    }
    float[] out = model.forward(ws, input, batch);
    double sum = 0;
    for (int i = 0; i < r.length; i++) {
      sum += out[i] * r[i];
    }
    return sum;
  }
}
