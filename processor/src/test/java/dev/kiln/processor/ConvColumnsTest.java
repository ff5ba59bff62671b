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
 * A convolution's forward pass against a direct convolution in double precision, for the window shapes that change
 * how the im2col columns are built: with stride and dilation 1, the first kernel row's columns are written as rows
 * the kernel column's taps share and every tap below is copied from them ({@code ConvModel.sharedRowColumns});
 * with a vertical stride of 1 and a dilation, a tap's column is copied from the column of the tap one kernel row up,
 * moved on by the dilation's rows, and only its last rows come from the image; other strides, a one-row kernel and
 * outputs no taller than the dilation copy every row from the image. Batches of several samples lay their columns
 * side by side, so a column moved across a sample's edge, or shared rows running into the next sample's, would show
 * here.
 */
class ConvColumnsTest {
  static Stream<Arguments> layers() {
    return Stream.of(
        Arguments.of("{2, 9, 8}", "filters = 3, kernel = 3"),
        Arguments.of("{2, 9, 8}", "filters = 3, kernel = {3, 2}, padding = 1, dilation = 2"),
        Arguments.of("{1, 12, 7}", "filters = 2, kernel = {4, 3}, padding = {2, 1}, dilation = {3, 1}"),
        Arguments.of("{2, 9, 9}", "filters = 2, kernel = 3, stride = {1, 2}, padding = 1"),
        Arguments.of("{2, 9, 9}", "filters = 2, kernel = 3, stride = {2, 1}"),
        Arguments.of("{3, 6, 6}", "filters = 4, kernel = {1, 3}, groups = 1"),
        Arguments.of("{4, 7, 7}", "filters = 4, kernel = 3, padding = 1, groups = 2"),
        // Output height 2 with dilation 2: no rows to share.
        Arguments.of("{1, 6, 5}", "filters = 2, kernel = {3, 2}, dilation = {2, 1}"),
        // LeNet-5's two convolutions.
        Arguments.of("{1, 28, 28}", "filters = 6, kernel = 5, padding = 2"),
        Arguments.of("{6, 14, 14}", "filters = 16, kernel = 5"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("layers")
  void forwardMatchesADirectConvolution(String input, String conv) {
    Model model = TestNetworks.oneLayer(input, "", "@Conv(" + conv + ") ConvLayer a();");
    int[] in = model.inputShape().dims();
    int[] out = model.outputShape().dims();
    int[] wShape = model.parameter("a.weight").shape();
    float[] w = model.parameter("a.weight").value();
    float[] b = model.parameter("a.bias").value();
    Random random = new Random(11);
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) random.nextGaussian();
    }
    model.parameter("a.bias").markModified();
    int batch = 5;
    float[] x = new float[batch * in[0] * in[1] * in[2]];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    Workspace ws = model.newWorkspace(batch);
    float[] y = model.forward(ws, x, batch);

    int[] k = ints(conv, "kernel", 1, 1);
    int[] s = ints(conv, "stride", 1, 1);
    int[] p = ints(conv, "padding", 0, 0);
    int[] d = ints(conv, "dilation", 1, 1);
    int groups = ints(conv, "groups", 1, 1)[0];
    int perGroupIn = in[0] / groups;
    int perGroupOut = out[0] / groups;
    assertWithMessage("weight shape").that(wShape).asList().containsExactly(out[0], perGroupIn, k[0], k[1]).inOrder();
    for (int n = 0; n < batch; n++) {
      for (int f = 0; f < out[0]; f++) {
        int g = f / perGroupOut;
        for (int oh = 0; oh < out[1]; oh++) {
          for (int ow = 0; ow < out[2]; ow++) {
            double sum = b[f];
            for (int c = 0; c < perGroupIn; c++) {
              for (int kh = 0; kh < k[0]; kh++) {
                for (int kw = 0; kw < k[1]; kw++) {
                  int ih = oh * s[0] - p[0] + kh * d[0];
                  int iw = ow * s[1] - p[1] + kw * d[1];
                  if (ih < 0 || ih >= in[1] || iw < 0 || iw >= in[2]) {
                    continue;
                  }
                  int ch = g * perGroupIn + c;
                  sum += (double) w[((f * perGroupIn + c) * k[0] + kh) * k[1] + kw]
                      * x[((n * in[0] + ch) * in[1] + ih) * in[2] + iw];
                }
              }
            }
            int at = ((n * out[0] + f) * out[1] + oh) * out[2] + ow;
            assertWithMessage("%s: sample %s filter %s at (%s, %s)", conv, n, f, oh, ow).that((double) y[at])
                .isWithin(1e-5 * Math.max(1, Math.abs(sum))).of(sum);
          }
        }
      }
    }
  }

  /** An attribute of the annotation's text as {height, width}: one value for both, {h, w}, or the default. */
  private static int[] ints(String conv, String name, int defaultHeight, int defaultWidth) {
    int at = conv.indexOf(name + " = ");
    if (at < 0) {
      return new int[] {defaultHeight, defaultWidth};
    }
    String rest = conv.substring(at + name.length() + 3);
    if (rest.startsWith("{")) {
      String[] parts = rest.substring(1, rest.indexOf('}')).split(",");
      return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
    }
    int end = rest.indexOf(',');
    int value = Integer.parseInt((end < 0 ? rest : rest.substring(0, end)).trim());
    return new int[] {value, value};
  }
}
