package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.kernel.VectorBackend;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The leading convolutions run batch-in-lanes at inference with the Vector API kernels on: which networks get that
 * path, and, in the build's Vector API test execution, that each sample gets the bits of the layers as written (a
 * training pass of the sample alone) in a batch (whole groups in lanes, leftover samples one at a time on the pooled
 * kernels where every chain convolution is pooled with stride 1, else through the layers' own kernels) and alone,
 * and that a backward pass after such an inference pass gives the gradients of one after a
 * training pass (it runs the layers again as written).
 */
class LaneChainTest {
  static Stream<Arguments> chained() {
    return Stream.of(
        // LeNet-5's convolutions: blocks of six and of four filters, each with its pool.
        Arguments.of("lenet", "{1, 28, 28}",
            "@Conv(filters = 6, kernel = 5, padding = 2, activation = Activation.RELU) ConvLayer c1();\n"
                + "@Pool(size = 2) PoolLayer p1();\n"
                + "@Conv(filters = 16, kernel = 5, activation = Activation.RELU) ConvLayer c2();\n"
                + "@Pool(size = 2) PoolLayer p2();\n"
                + "@Dense(units = 10) DenseLayer out();"),
        // No pools: groups, padding into the next layer's padded input, a stride of 2, single filters.
        Arguments.of("groups_stride", "{4, 9, 11}",
            "@Conv(filters = 6, kernel = 3, padding = 1, groups = 2) ConvLayer c1();\n"
                + "@Conv(filters = 3, kernel = 3, stride = 2, padding = 1, activation = Activation.RELU)"
                + " ConvLayer c2();\n"
                + "@Dense(units = 4) DenseLayer out();"),
        // A convolution whose backward runs on the wide grid (36 taps, six filters): it and the lanes share one tap
        // table.
        Arguments.of("wide_grid", "{4, 10, 10}",
            "@Conv(filters = 6, kernel = 3, padding = 1, activation = Activation.RELU) ConvLayer c1();\n"
                + "@Pool(size = 2) PoolLayer p1();\n"
                + "@Dense(units = 3) DenseLayer out();"),
        // A pool without a ReLU before it, four filters, rows of 56.
        Arguments.of("wide_rows", "{2, 56, 56}",
            "@Conv(filters = 4, kernel = 3, padding = 1) ConvLayer c1();\n"
                + "@Pool(size = 2) PoolLayer p1();\n"
                + "@Dense(units = 3) DenseLayer out();"),
        // Padding into filters in lanes (16 and 32 filters, rows of six), then pooled rows of two: the one-sample
        // pooled kernels' other blocks.
        Arguments.of("pooled_filters_in_lanes", "{3, 12, 12}",
            "@Conv(filters = 16, kernel = 3, padding = 1, activation = Activation.RELU) ConvLayer c1();\n"
                + "@Pool(size = 2) PoolLayer p1();\n"
                + "@Conv(filters = 32, kernel = 3, activation = Activation.RELU) ConvLayer c2();\n"
                + "@Pool(size = 2) PoolLayer p2();\n"
                + "@Dense(units = 3) DenseLayer out();"),
        // Dilation; the chain ends before a convolution whose activation runs after its kernel.
        Arguments.of("dilation_then_tanh", "{2, 12, 12}",
            "@Conv(filters = 5, kernel = 3, dilation = 2, activation = Activation.RELU) ConvLayer c1();\n"
                + "@Conv(filters = 4, kernel = 3, activation = Activation.TANH) ConvLayer c2();\n"
                + "@Dense(units = 3) DenseLayer out();"));
  }

  private static boolean runsInLanes(Model model) {
    return Arrays.stream(model.getClass().getDeclaredMethods()).anyMatch(m -> m.getName().equals("forwardInLanes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chained")
  void leadingConvolutionsGetTheLanePath(String name, String input, String layers) {
    assertThat(runsInLanes(TestNetworks.network(input, layers))).isTrue();
  }

  private static boolean runsPooled(Model model) {
    return Arrays.stream(model.getClass().getDeclaredMethods()).anyMatch(m -> m.getName().equals("forwardPooled"));
  }

  @Test
  void loneSamplesTakeThePooledKernelsWhereEveryChainConvolutionIsPooledWithStrideOne() {
    assertThat(runsPooled(TestNetworks.network("{1, 28, 28}", (String) chained().findFirst().get().get()[2])))
        .isTrue();
    // No pool; a stride of 2 and groups; dilation.
    assertThat(runsPooled(TestNetworks.network("{4, 9, 11}",
        "@Conv(filters = 6, kernel = 3, padding = 1, groups = 2) ConvLayer c1();\n"
            + "@Dense(units = 4) DenseLayer out();"))).isFalse();
    assertThat(runsPooled(TestNetworks.network("{2, 12, 12}",
        "@Conv(filters = 4, kernel = 3, stride = 2, activation = Activation.RELU) ConvLayer c1();\n"
            + "@Pool(size = 2) PoolLayer p1();\n"
            + "@Dense(units = 3) DenseLayer out();"))).isFalse();
    assertThat(runsPooled(TestNetworks.network("{2, 12, 12}",
        "@Conv(filters = 4, kernel = 3, dilation = 2, activation = Activation.RELU) ConvLayer c1();\n"
            + "@Pool(size = 2) PoolLayer p1();\n"
            + "@Dense(units = 3) DenseLayer out();"))).isFalse();
  }

  @Test
  void networksWhoseFirstLayerCannotRunInLanesDoNot() {
    // A dense first layer; a convolution with its activation after the kernel; a residual anywhere; a convolution
    // that folds the batch norm after it.
    assertThat(runsInLanes(TestNetworks.network("{20}", "@Dense(units = 4) DenseLayer a();"))).isFalse();
    assertThat(runsInLanes(TestNetworks.network("{1, 8, 8}",
        "@Conv(filters = 4, kernel = 3, activation = Activation.SIGMOID) ConvLayer a();"))).isFalse();
    assertThat(runsInLanes(TestNetworks.network("{2, 8, 8}",
        "@Conv(filters = 2, kernel = 3, padding = 1, activation = Activation.RELU) ConvLayer a();\n"
            + "@Conv(filters = 2, kernel = 3, padding = 1) @Residual(from = \"a\") ConvLayer b();"))).isFalse();
    assertThat(runsInLanes(TestNetworks.network("{1, 8, 8}",
        "@Conv(filters = 4, kernel = 3) ConvLayer a();\n@BatchNorm BatchNormLayer n();"))).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chained")
  @EnabledIfSystemProperty(named = VectorBackend.PROPERTY, matches = "true")
  void aSampleGetsTheSameBitsInLanesAsAlone(String name, String input, String layers) {
    Model model = TestNetworks.network(input, layers);
    int lanes = VectorBackend.lanes();
    int in = model.inputShape().size();
    int out = model.outputShape().size();
    Workspace one = model.newWorkspace(1);
    for (int batch : new int[] {1, lanes, 2 * lanes + 3}) {
      float[] x = gaussian(new Random(batch), batch * in);
      // Each sample alone in a training pass: the layers as written (never in lanes; these networks have no dropout
      // or batch norm, so training computes what inference does).
      float[][] expected = new float[batch][];
      model.train();
      for (int n = 0; n < batch; n++) {
        expected[n] = model.forward(one, Arrays.copyOfRange(x, n * in, (n + 1) * in), 1).clone();
      }
      model.eval();
      Workspace all = model.newWorkspace(batch);
      float[] y = model.forward(all, x, batch).clone();
      for (int n = 0; n < batch; n++) {
        float[] alone = model.forward(one, Arrays.copyOfRange(x, n * in, (n + 1) * in), 1);
        for (int k = 0; k < out; k++) {
          assertWithMessage("%s batch %s sample %s output %s", name, batch, n, k)
              .that(Float.floatToRawIntBits(y[n * out + k])).isEqualTo(Float.floatToRawIntBits(expected[n][k]));
          assertWithMessage("%s sample %s alone, output %s", name, n, k)
              .that(Float.floatToRawIntBits(alone[k])).isEqualTo(Float.floatToRawIntBits(expected[n][k]));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chained")
  @EnabledIfSystemProperty(named = VectorBackend.PROPERTY, matches = "true")
  void backwardAfterInferenceInLanesGivesTheGradientsOfTraining(String name, String input, String layers) {
    Model model = TestNetworks.network(input, layers);
    // A lone sample (the pooled kernels where the chain takes them) and groups with a leftover sample.
    for (int batch : new int[] {1, 2 * VectorBackend.lanes() + 1}) {
      checkBackwardAfterInference(name, model, batch);
    }
  }

  private static void checkBackwardAfterInference(String name, Model model, int batch) {
    float[] x = gaussian(new Random(7), batch * model.inputShape().size());
    float[] g = gaussian(new Random(8), batch * model.outputShape().size());

    Workspace trained = model.newPrivateWorkspace(batch);
    trained.zeroGradients();
    model.train().forward(trained, x, batch);
    float[] expectedInputGrad = model.backward(trained, g).clone();

    Workspace inferred = model.newPrivateWorkspace(batch);
    inferred.zeroGradients();
    model.eval().forward(inferred, x, batch);
    float[] inputGrad = model.backward(inferred, g);
    assertWithMessage("%s batch %s input gradient", name, batch).that(inputGrad).isEqualTo(expectedInputGrad);
    for (int p = 0; p < trained.gradients().length; p++) {
      assertWithMessage("%s batch %s gradient of parameter %s", name, batch, p).that(inferred.gradients()[p])
          .isEqualTo(trained.gradients()[p]);
    }
  }

  private static float[] gaussian(Random random, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }
}
