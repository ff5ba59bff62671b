package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A 2x2 max pool after a convolution: outside training the convolution's kernel writes the pool's output from its
 * accumulator rows. Training mode runs the layers as written (the pool's own kernel on the stored output), so the
 * two modes must give the same bits, for odd output sizes (the last row and column dropped), several samples' columns
 * side by side, several filter blocks, groups, negative values (no ReLU) and a ReLU in the kernel. Gradients after
 * an inference pass must be those after a training pass. A pool that cannot be fused (a 3x3 window, a convolution
 * with a sigmoid applied after its kernel) keeps its own kernel.
 */
class PoolInKernelTest {
  static Stream<Arguments> fused() {
    return Stream.of(
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2) ConvLayer a();"),
        Arguments.of("{3, 8, 8}", "@Conv(filters = 4, kernel = 3, padding = 1, activation = Activation.RELU)"
            + " ConvLayer a();"),
        Arguments.of("{4, 7, 6}", "@Conv(filters = 6, kernel = {2, 1}, groups = 2) ConvLayer a();"),
        // 28x28 outputs, twenty filters: one sample per pass, two filter blocks.
        Arguments.of("{1, 28, 28}", "@Conv(filters = 20, kernel = 5, padding = 2, activation = Activation.RELU)"
            + " ConvLayer a();"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fused")
  void inferenceWritesThePoolFromTheKernelWithTheSameBits(String input, String conv) throws Exception {
    Model model = network(input, conv + "\n  @Pool(size = 2) PoolLayer p();");
    // The fused kernel exists: conv "a" writes pool "p" outside training.
    assertThat(model.getClass().getDeclaredMethod("aPool", float[].class, int.class, float[].class, int.class))
        .isNotNull();
    compareModes(model);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("unfused")
  void poolsThatCannotBeFusedKeepTheirKernel(String input, String layers) throws Exception {
    Model model = network(input, layers);
    assertThrows(NoSuchMethodException.class,
        () -> model.getClass().getDeclaredMethod("aPool", float[].class, int.class, float[].class, int.class));
    compareModes(model);
  }

  static Stream<Arguments> unfused() {
    return Stream.of(
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2) ConvLayer a();\n  @Pool(size = 3) PoolLayer p();"),
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2, activation = Activation.SIGMOID) ConvLayer a();\n"
            + "  @Pool(size = 2) PoolLayer p();"),
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2) ConvLayer a();\n"
            + "  @Pool(size = 2, mode = PoolMode.AVG) PoolLayer p();"));
  }

  private static Model network(String input, String layers) {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = " + input + ", seed = 3)\n"
        + "public interface Net {\n"
        + "  " + layers + "\n"
        + "}\n";
    return TestNetworks.instantiate("test.Net", source, "test.Kiln_Net");
  }

  /** Inference and training outputs bit for bit, and the gradients after each. */
  private static void compareModes(Model model) {
    int batch = 7;
    int in = model.inputShape().size();
    int out = model.outputShape().size();
    Random random = new Random(5);
    float[] x = new float[batch * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    float[] g = new float[batch * out];
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) random.nextGaussian();
    }
    Workspace ws = model.newPrivateWorkspace(batch);

    model.eval();
    ws.zeroGradients();
    float[] inference = model.forward(ws, x, batch).clone();
    float[] inferenceGx = model.backward(ws, g).clone();
    float[][] inferenceGrads = copy(ws.gradients());

    model.train();
    ws.zeroGradients();
    float[] training = model.forward(ws, x, batch).clone();
    float[] trainingGx = model.backward(ws, g).clone();
    float[][] trainingGrads = copy(ws.gradients());
    model.eval();

    assertWithMessage("inference output against training output").that(bits(inference))
        .isEqualTo(bits(training));
    assertWithMessage("input gradient").that(bits(inferenceGx)).isEqualTo(bits(trainingGx));
    for (int p = 0; p < trainingGrads.length; p++) {
      assertWithMessage("parameter gradient %s", p).that(bits(inferenceGrads[p])).isEqualTo(bits(trainingGrads[p]));
    }
  }

  private static float[][] copy(float[][] arrays) {
    float[][] out = new float[arrays.length][];
    for (int i = 0; i < arrays.length; i++) {
      out[i] = arrays[i].clone();
    }
    return out;
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
