package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API convolution kernels against their sums written out in double precision: the forward product over
 * im2col columns (blocks of four or six filters and two vectors, moved back to overlap when the sizes do not divide;
 * one filter and one vector; the scalar loop), and the wide-grid backward (weight gradient through the lane
 * accumulators, with taps and filters left over from the blocks and positions beyond the last vector; input
 * gradient scattered onto the source), on real convolution geometries with padding, dilation and channels.
 */
class VectorConvTest {
  private final Random random = new Random(11);

  private float[] gaussian(int n) {
    float[] a = new float[n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }

  @Test
  void forwardMatchesTheSumInDoublePrecision() {
    // {filters in the block, positions, taps}
    // Blocks of six: 6 and 18 filters exactly, 17 with the last block moved back; of four: the others.
    // With vectors of 16 floats: six filters by four vectors for 6 x 784 and, with the last block of positions
    // moved back, 6 x 120; with the last block of filters moved back, 11 x 64; eight by three for 16 x 400 and, moved
    // back both ways, 15 x 90 (wideBlocksWhereTheyComputeFewerProducts checks these choices).
    int[][] shapes = {{6, 784, 25}, {16, 400, 150}, {7, 37, 9}, {4, 16, 3}, {3, 100, 27}, {5, 9, 4}, {2, 5, 2},
        {18, 50, 7}, {17, 45, 11}, {6, 120, 7}, {11, 64, 5}, {15, 90, 5}, {16, 100, 150}};
    for (int[] shape : shapes) {
      int filters = shape[0];
      int len = shape[1];
      int taps = shape[2];
      for (boolean bias : new boolean[] {true, false}) {
        int f0 = 1; // a block that does not start at the first filter
        float[] w = gaussian((f0 + filters) * taps);
        float[] b = bias ? gaussian(f0 + filters) : null;
        float[][] cols = new float[taps][];
        for (int k = 0; k < taps; k++) {
          cols[k] = gaussian(len + 3);
        }
        float[][] sums = new float[filters][len + 3];
        for (float[] s : sums) {
          Arrays.fill(s, Float.NaN);
        }
        VectorBackend.convForward(w, b, cols, sums, f0, filters, len, taps);
        for (int f = 0; f < filters; f++) {
          for (int p = 0; p < len; p++) {
            double sum = b == null ? 0 : b[f0 + f];
            double magnitude = Math.abs(sum);
            for (int k = 0; k < taps; k++) {
              double term = (double) w[(f0 + f) * taps + k] * cols[k][p];
              sum += term;
              magnitude += Math.abs(term);
            }
            assertWithMessage("%s filters, %s positions, %s taps, bias %s: sums[%s][%s]", filters, len, taps, bias,
                f, p).that((double) sums[f][p]).isWithin(1e-6 * magnitude).of(sum);
          }
          assertWithMessage("written past len").that(sums[f][len]).isNaN();
        }
      }
    }
  }

  /** A stride-1 geometry: {channels, source height, source width, kernel h, kernel w, dilation h, dilation w}. */
  private static final int[][] GEOMETRIES = {
    {1, 32, 32, 5, 5, 1, 1}, // LeNet-5's first convolution on its padded copy
    {6, 14, 14, 5, 5, 1, 1}, // its second
    {3, 9, 7, 3, 2, 2, 1}, // dilated, rectangular
    {2, 6, 6, 1, 1, 1, 1}, // 1x1: the wide grid is the plain grid
    {4, 5, 11, 3, 3, 1, 1},
  };

  @Test
  void blocksOfSixOnlyWhereTheyComputeFewerRows() {
    assertWithMessage("4 filters").that(VectorConv.blockRows(4)).isEqualTo(4);
    assertWithMessage("5 filters").that(VectorConv.blockRows(5)).isEqualTo(4);
    assertWithMessage("6 filters").that(VectorConv.blockRows(6)).isEqualTo(6);
    assertWithMessage("12 filters (a tie)").that(VectorConv.blockRows(12)).isEqualTo(4);
    assertWithMessage("16 filters").that(VectorConv.blockRows(16)).isEqualTo(4);
    assertWithMessage("17 filters").that(VectorConv.blockRows(17)).isEqualTo(6);
    assertWithMessage("18 filters").that(VectorConv.blockRows(18)).isEqualTo(6);
  }

  @Test
  void wideBlocksWhereTheyComputeFewerProducts() {
    if (VectorConv.WIDE_BLOCKS) {
      assertWithMessage("LeNet-5's first convolution").that(VectorConv.blockShape(6, 784))
          .isEqualTo(VectorConv.SIX_BY_FOUR);
      assertWithMessage("its second, four samples side by side").that(VectorConv.blockShape(16, 400))
          .isEqualTo(VectorConv.EIGHT_BY_THREE);
      assertWithMessage("its second, one sample").that(VectorConv.blockShape(16, 100))
          .isEqualTo(VectorConv.FOUR_BY_TWO);
      assertWithMessage("too few positions for the wide blocks").that(VectorConv.blockShape(6, 40))
          .isEqualTo(VectorConv.SIX_BY_TWO);
      assertWithMessage("6 x 120").that(VectorConv.blockShape(6, 120)).isEqualTo(VectorConv.SIX_BY_FOUR);
      assertWithMessage("11 x 64").that(VectorConv.blockShape(11, 64)).isEqualTo(VectorConv.SIX_BY_FOUR);
      assertWithMessage("15 x 90").that(VectorConv.blockShape(15, 90)).isEqualTo(VectorConv.EIGHT_BY_THREE);
      assertWithMessage("9 x 70: four by two computes fewest").that(VectorConv.blockShape(9, 70))
          .isEqualTo(VectorConv.FOUR_BY_TWO);
    } else {
      assertWithMessage("16 filters").that(VectorConv.blockShape(16, 400)).isEqualTo(VectorConv.FOUR_BY_TWO);
      assertWithMessage("6 filters").that(VectorConv.blockShape(6, 784)).isEqualTo(VectorConv.SIX_BY_TWO);
    }
  }

  @Test
  void wideGridBackwardMatchesTheSumsInDoublePrecision() {
    for (int[] g : GEOMETRIES) {
      for (int filters : new int[] {1, 2, 5, 6}) {
        for (boolean relu : new boolean[] {true, false}) {
          checkBackward(g, filters, relu);
        }
      }
    }
  }

  private void checkBackward(int[] geometry, int filters, boolean relu) {
    int channels = geometry[0];
    int sh = geometry[1];
    int sw = geometry[2];
    int kh = geometry[3];
    int kw = geometry[4];
    int dh = geometry[5];
    int dw = geometry[6];
    int oh = sh - (kh - 1) * dh;
    int ow = sw - (kw - 1) * dw;
    int[] taps = VectorBackend.tapOffsets(channels, kh, kw, dh, dw, sh, sw);
    int kk = taps.length;
    int pw = (oh - 1) * sw + ow;
    String what = String.format("%sx%sx%s source, %sx%s kernel dilated %sx%s, %s filters, relu %s", channels, sh, sw,
        kh, kw, dh, dw, filters, relu);
    int f0 = 2; // filters of a later group
    int so = 3; // where the sample's group starts in the source
    float[] src = gaussian(so + channels * sh * sw);
    float[] w = gaussian((f0 + filters) * kk);
    // Two samples' output gradients and outputs; about half the outputs not positive.
    int outSize = filters * oh * ow;
    float[] grad = gaussian(2 * outSize);
    float[] y = gaussian(2 * outSize);
    float[] wide = new float[filters * pw];
    float[] lanes = new float[(f0 + filters) * kk * VectorBackend.LANE_SLOTS];
    float[] gw = gaussian((f0 + filters) * kk);
    float[] gw0 = gw.clone();
    float[] gb = gaussian(f0 + filters);
    float[] gb0 = gb.clone();
    float[] target = gaussian(so + channels * sh * sw);
    float[] target0 = target.clone();
    double[] wantGw = new double[gw.length];
    double[] magGw = new double[gw.length];
    double[] wantGb = new double[gb.length];
    double[] magGb = new double[gb.length];
    for (int n = 0; n < 2; n++) {
      VectorBackend.convWideGradient(grad, y, n * outSize, relu, wide, filters, oh, ow, sw, gb, f0);
      VectorBackend.convWeightGradient(wide, pw, src, so, taps, lanes, gw, f0, filters);
      for (int f = 0; f < filters; f++) {
        for (int r = 0; r < oh; r++) {
          for (int c = 0; c < ow; c++) {
            int at = n * outSize + f * oh * ow + r * ow + c;
            double g = relu && !(y[at] > 0) ? 0 : grad[at];
            wantGb[f0 + f] += g;
            magGb[f0 + f] += Math.abs(g);
            for (int k = 0; k < kk; k++) {
              double term = g * src[so + taps[k] + r * sw + c];
              wantGw[(f0 + f) * kk + k] += term;
              magGw[(f0 + f) * kk + k] += Math.abs(term);
            }
          }
        }
      }
    }
    VectorBackend.convFinishWeightGradient(lanes, gw, gw.length);
    for (int i = 0; i < gw.length; i++) {
      assertWithMessage("%s: gw[%s]", what, i).that((double) gw[i])
          .isWithin(1e-5 * (magGw[i] + Math.abs(gw0[i]))).of(gw0[i] + wantGw[i]);
    }
    for (int i = 0; i < gb.length; i++) {
      assertWithMessage("%s: gb[%s]", what, i).that((double) gb[i])
          .isWithin(1e-5 * (magGb[i] + Math.abs(gb0[i]))).of(gb0[i] + wantGb[i]);
    }
    for (float v : lanes) {
      assertWithMessage("%s: lane accumulators cleared for the next batch", what).that(v).isEqualTo(0f);
    }

    // The input gradient of the last sample, from the wide gradient left by its pass.
    VectorBackend.convInputGradient(w, f0, filters, taps, wide, pw, target, so);
    double[] want = new double[target.length];
    double[] mag = new double[target.length];
    for (int f = 0; f < filters; f++) {
      for (int r = 0; r < oh; r++) {
        for (int c = 0; c < ow; c++) {
          int at = outSize + f * oh * ow + r * ow + c;
          double g = relu && !(y[at] > 0) ? 0 : grad[at];
          for (int k = 0; k < kk; k++) {
            double term = g * w[(f0 + f) * kk + k];
            want[so + taps[k] + r * sw + c] += term;
            mag[so + taps[k] + r * sw + c] += Math.abs(term);
          }
        }
      }
    }
    for (int i = 0; i < target.length; i++) {
      assertWithMessage("%s: input gradient [%s]", what, i).that((double) target[i])
          .isWithin(1e-5 * (mag[i] + Math.abs(target0[i]))).of(target0[i] + want[i]);
    }
  }
}
