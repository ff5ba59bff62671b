package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A convolution's forward pass sums four filters at a time in the workspace's aligned arena where a whole group of
 * samples' columns is ready, or one sample's ({@code ConvCode.groupProductsMethod}), and through its two-row passes
 * for the filters left over and for a batch's last group of two or more samples short of a whole one. Here shapes
 * that reach every branch: more taps than one chunk of copied values (288 against {@code Methods.VALUES_PER_CHUNK},
 * 258), tap counts that leave one or two rows after the three-row passes, filter counts that leave one to three
 * filters, no bias, and batches whose last group is short (three samples: the two-row passes; one: the one-sample
 * arena passes). Each output is checked against double-precision sums, and each sample's bits against the same
 * sample run alone (the one-sample arena passes, where a group holds several): every path adds the same products in
 * the same order.
 */
class ConvGroupProductsTest {
  /** 32 channels of 8x8, 3x3 windows, padding 1: 288 taps (two chunks), 7 filters (4 + 3), 3 samples a group. */
  @Test
  void tapsOverAChunkAndThreeFiltersLeftOver() {
    check("Wide", 32, 8, 7, 3, 1, true, 10);
  }

  /** 7 channels of 9x9, 2x2 windows: 28 taps (one left after the three-row passes), 9 filters (4 + 4 + 1). */
  @Test
  void oneTapLeftAndOneFilterLeftOverWithoutBias() {
    check("Narrow", 7, 9, 9, 2, 0, false, 10);
  }

  /** 5 channels of 12x12, 3x3 windows: 45 taps (none left), 6 filters (4 + 2), 3 samples a group. */
  @Test
  void twoFiltersLeftOver() {
    check("Six", 5, 12, 6, 3, 0, true, 7);
  }

  private static void check(String name, int channels, int size, int filters, int kernel, int padding,
      boolean bias, int batch) {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = {" + channels + ", " + size + ", " + size + "}, seed = 5)\n"
        + "public interface " + name + " {\n"
        + "  @Conv(filters = " + filters + ", kernel = " + kernel + ", padding = " + padding + ", bias = " + bias
        + ", activation = Activation.RELU) ConvLayer c();\n"
        + "}\n";
    Model model = TestNetworks.instantiate("test." + name, source, "test.Kiln_" + name).eval();
    int in = channels * size * size;
    int out = size + 2 * padding - kernel + 1;
    int outSize = filters * out * out;
    Random random = new Random(13);
    float[] x = new float[batch * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    // Non-zero biases, so that a slot filled with the wrong filter's bias shows.
    if (bias) {
      float[] b = model.parameter("c.bias").value();
      for (int f = 0; f < filters; f++) {
        b[f] = (float) random.nextGaussian();
      }
    }
    float[] w = model.parameter("c.weight").value();
    float[] b = bias ? model.parameter("c.bias").value() : new float[filters];
    Workspace ws = model.newWorkspace(batch);
    float[] y = model.forward(ws, x, batch).clone();
    assertWithMessage("output length").that(y.length).isAtLeast(batch * outSize);

    int padded = size + 2 * padding;
    for (int n = 0; n < batch; n++) {
      for (int f = 0; f < filters; f++) {
        for (int oh = 0; oh < out; oh++) {
          for (int ow = 0; ow < out; ow++) {
            double sum = b[f];
            for (int c = 0; c < channels; c++) {
              for (int kh = 0; kh < kernel; kh++) {
                for (int kw = 0; kw < kernel; kw++) {
                  int ih = oh + kh - padding;
                  int iw = ow + kw - padding;
                  if (ih < 0 || iw < 0 || ih >= size || iw >= size) {
                    continue;
                  }
                  sum += (double) w[((f * channels + c) * kernel + kh) * kernel + kw]
                      * x[n * in + (c * size + ih) * size + iw];
                }
              }
            }
            double expected = Math.max(sum, 0);
            int at = n * outSize + (f * out + oh) * out + ow;
            double tolerance = 1e-4 * Math.max(1, Math.abs(expected));
            assertWithMessage("%s: sample %s, filter %s, position %s,%s (padded size %s)", name, n, f, oh, ow, padded)
                .that((double) y[at]).isWithin(tolerance).of(expected);
          }
        }
      }
    }

    Workspace alone = model.newWorkspace(1);
    for (int n = 0; n < batch; n++) {
      float[] one = model.forward(alone, java.util.Arrays.copyOfRange(x, n * in, (n + 1) * in), 1);
      for (int i = 0; i < outSize; i++) {
        assertWithMessage("%s: sample %s, output %s, in the batch against alone", name, n, i)
            .that(Float.floatToRawIntBits(y[n * outSize + i])).isEqualTo(Float.floatToRawIntBits(one[i]));
      }
    }
  }
}
