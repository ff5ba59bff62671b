package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A batch gives each sample the result that sample gets alone. The kernels treat samples together: a convolution
 * lays the columns of several samples side by side and updates blocks of filters, a dense layer takes its inputs in
 * blocks shared by the whole batch (and a lone sample in one block). Batch sizes that are not multiples of those
 * groupings, and layers with several blocks, check that the groupings' edges lose and mix nothing. Forward outputs,
 * input gradients and the batch's parameter gradients (the sum of the samples') are compared; outputs and input
 * gradients are bit-exact, since every kernel adds a sample's products in the same order either way (a dense layer
 * takes four samples at a time over the inputs non-zero in any of them, so a sample also adds {@code 0 * w} for
 * inputs zero in it alone, which changes nothing).
 */
class BatchSplitTest {
  static Stream<Arguments> layers() {
    return Stream.of(
        // 3x3 outputs: eight samples' columns per pass, all five filters in one block.
        Arguments.of("conv_short_rows", "{2, 5, 5}",
            "@Conv(filters = 5, kernel = 3, activation = Activation.RELU) ConvLayer a();"),
        Arguments.of("conv_padded_groups", "{4, 6, 6}",
            "@Conv(filters = 6, kernel = 3, padding = 1, groups = 2) ConvLayer a();"),
        // 28x28 outputs: one sample per pass, twenty filters in two blocks of ten.
        Arguments.of("conv_filter_blocks", "{1, 28, 28}",
            "@Conv(filters = 20, kernel = 5, padding = 2, activation = Activation.RELU) ConvLayer a();"),
        // 200 units: inputs in blocks of 16 (300 = 18 x 16 + 12), the last one partial.
        Arguments.of("dense_blocks", "{300}",
            "@Dense(units = 200, activation = Activation.RELU) DenseLayer a();"),
        Arguments.of("dense_small", "{20}", "@Dense(units = 7) DenseLayer a();"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void aBatchGivesEachSampleItsOwnResult(String name, String input, String layer) {
    Model model = TestNetworks.oneLayer(input, "", layer).train();
    for (int batch : new int[] {7, 13}) {
      int in = model.inputShape().size();
      int out = model.outputShape().size();
      Random random = new Random(batch);
      float[] x = new float[batch * in];
      for (int i = 0; i < x.length; i++) {
        // A third of the inputs zero, differently in each sample: the kernels list the non-zero ones.
        x[i] = random.nextInt(3) == 0 ? 0f : (float) random.nextGaussian();
      }
      float[] g = new float[batch * out];
      for (int i = 0; i < g.length; i++) {
        g[i] = (float) random.nextGaussian();
      }

      Workspace all = model.newPrivateWorkspace(batch);
      all.zeroGradients();
      float[] y = model.forward(all, x, batch).clone();
      float[] gx = model.backward(all, g).clone();

      Workspace one = model.newPrivateWorkspace(1);
      one.zeroGradients();
      for (int n = 0; n < batch; n++) {
        float[] yn = model.forward(one, TestNetworks.slice(x, n * in, in), 1);
        TestNetworks.assertSameBits(name + " output, sample " + n + " of " + batch, TestNetworks.slice(y, n * out, out), yn);
        float[] gxn = model.backward(one, TestNetworks.slice(g, n * out, out));
        TestNetworks.assertSameBits(name + " input gradient, sample " + n + " of " + batch, TestNetworks.slice(gx, n * in, in), gxn);
      }
      float[][] batchGrads = all.gradients();
      float[][] summedGrads = one.gradients();
      for (int p = 0; p < batchGrads.length; p++) {
        // Summed in another order (the batch adds the samples' contributions in groups of four, the one-sample
        // workspace sample after sample): a weight gradient here sums thousands of terms of order 1, so the two
        // differ by up to about 1e-5 (one lost or doubled sample would differ by order 1).
        float[] expected = batchGrads[p];
        float[] actual = summedGrads[p];
        for (int i = 0; i < expected.length; i++) {
          assertWithMessage("%s gradient of parameter %s, batch %s [%s]", name, p, batch, i).that(actual[i])
              .isWithin(1e-4f * Math.max(1f, Math.abs(expected[i]))).of(expected[i]);
        }
      }
    }
  }
}
