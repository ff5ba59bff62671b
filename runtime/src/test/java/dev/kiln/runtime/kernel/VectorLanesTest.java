package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batch-in-lanes convolution kernels against each sample's convolution written out as the im2col kernels compute
 * it (from the bias, one fused multiply-add per tap in weight order, ReLU then {@code Math.max} pooling): the same
 * bits, on geometries that take every block (six, four and one filters; pool windows; four positions along a row,
 * the last block moved back, rows narrower than four) with padding, stride, dilation and groups.
 */
class VectorLanesTest {
  private final Random random = new Random(5);
  private final int lanes = VectorLanes.LANES;

  /**
   * One convolution's geometry: input channels, height and width, padding, filters, kernel, stride, dilation, groups,
   * and whether the 2x2 max pool follows.
   */
  private record Geometry(int channels, int height, int width, int pad, int filters, int kernel, int stride,
      int dilation, int groups, boolean pool) {
    int paddedHeight() {
      return height + 2 * pad;
    }

    int paddedWidth() {
      return width + 2 * pad;
    }

    int outHeight() {
      return (paddedHeight() - dilation * (kernel - 1) - 1) / stride + 1;
    }

    int outWidth() {
      return (paddedWidth() - dilation * (kernel - 1) - 1) / stride + 1;
    }

    int resultHeight() {
      return pool ? outHeight() / 2 : outHeight();
    }

    int resultWidth() {
      return pool ? outWidth() / 2 : outWidth();
    }
  }

  private float[] gaussian(int n) {
    float[] a = new float[n];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }

  @Test
  void eachLaneGetsTheBitsOfItsSampleAlone() {
    Geometry[] geometries = {
      new Geometry(1, 28, 28, 2, 6, 5, 1, 1, 1, true), // LeNet-5's first: a block of six, pooled
      new Geometry(6, 14, 14, 0, 16, 5, 1, 1, 1, true), // LeNet-5's second: blocks of four, pooled
      new Geometry(3, 9, 11, 1, 5, 3, 1, 1, 1, false), // four filters moved back; a row of 11, last block moved back
      new Geometry(2, 7, 5, 0, 3, 3, 1, 1, 1, false), // single filters; rows of three, positions repeated
      new Geometry(4, 12, 13, 1, 8, 3, 2, 1, 2, true), // groups of four filters, stride 2, odd conv output pooled
      new Geometry(2, 11, 12, 2, 18, 3, 1, 2, 1, false), // dilation 2, eighteen filters in sixes
      new Geometry(6, 10, 10, 1, 12, 3, 1, 1, 3, false) // groups of four filters over two channels each
    };
    for (Geometry g : geometries) {
      for (boolean bias : new boolean[] {true, false}) {
        for (boolean relu : new boolean[] {true, false}) {
          check(g, bias, relu);
        }
      }
    }
  }

  private void check(Geometry g, boolean bias, boolean relu) {
    int samples = 2 * lanes + 3;
    int first = lanes + 1; // a group that does not start at sample 0
    int sampleSize = g.channels * g.height * g.width;
    float[] x = gaussian(samples * sampleSize);
    int perGroupChannels = g.channels / g.groups;
    int taps = perGroupChannels * g.kernel * g.kernel;
    float[] w = gaussian(g.filters * taps);
    float[] b = bias ? gaussian(g.filters) : null;
    float[] in = new float[g.channels * g.paddedHeight() * g.paddedWidth() * lanes];
    VectorBackend.toLanes(x, first, g.channels, g.height, g.width, g.pad, g.pad, in);
    int outPad = 1; // as for a next layer with padding 1
    int rh = g.resultHeight();
    int rw = g.resultWidth();
    float[] out = new float[g.filters * (rh + 2 * outPad) * (rw + 2 * outPad) * lanes];
    java.util.Arrays.fill(out, Float.NaN);
    int[] tapTable = VectorBackend.tapOffsets(perGroupChannels, g.kernel, g.kernel, g.dilation, g.dilation,
        g.paddedHeight(), g.paddedWidth());
    VectorBackend.convLanes(in, g.paddedHeight(), g.paddedWidth(), perGroupChannels, w, b, tapTable, g.filters,
        g.groups, g.stride, g.stride, g.outHeight(), g.outWidth(), relu, g.pool, out, outPad, outPad);
    float[] result = new float[lanes * g.filters * rh * rw];
    int interiorWidth = rw + 2 * outPad;
    int plane = (rh + 2 * outPad) * interiorWidth;
    // The interior, compacted, through fromLanes; the border must still be what it was.
    float[] compact = new float[g.filters * rh * rw * lanes];
    for (int f = 0; f < g.filters; f++) {
      for (int r = 0; r < rh + 2 * outPad; r++) {
        for (int c = 0; c < rw + 2 * outPad; c++) {
          boolean border = r < outPad || r >= rh + outPad || c < outPad || c >= rw + outPad;
          int at = ((f * plane) + r * interiorWidth + c) * lanes;
          if (border) {
            for (int i = 0; i < lanes; i++) {
              assertWithMessage("%s border", g).that(Float.isNaN(out[at + i])).isTrue();
            }
          } else {
            System.arraycopy(out, at, compact, ((f * rh + r - outPad) * rw + c - outPad) * lanes, lanes);
          }
        }
      }
    }
    VectorBackend.fromLanes(compact, g.filters * rh * rw, result, 0);
    for (int i = 0; i < lanes; i++) {
      float[] expected = reference(g, x, (first + i) * sampleSize, w, b, relu);
      for (int k = 0; k < expected.length; k++) {
        float actual = result[i * expected.length + k];
        assertWithMessage("%s bias=%s relu=%s lane %s value %s", g, bias, relu, i, k)
            .that(Float.floatToRawIntBits(actual)).isEqualTo(Float.floatToRawIntBits(expected[k]));
      }
    }
  }

  /** One sample's result as the im2col kernels compute it: [filters][resultHeight][resultWidth]. */
  private static float[] reference(Geometry g, float[] x, int xo, float[] w, float[] b, boolean relu) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    int perGroupChannels = g.channels / g.groups;
    int perGroupFilters = g.filters / g.groups;
    int taps = perGroupChannels * g.kernel * g.kernel;
    float[] y = new float[g.filters * oh * ow];
    for (int f = 0; f < g.filters; f++) {
      int group = f / perGroupFilters;
      for (int r = 0; r < oh; r++) {
        for (int c = 0; c < ow; c++) {
          float s = b == null ? 0f : b[f];
          int k = 0;
          for (int ch = 0; ch < perGroupChannels; ch++) {
            for (int kh = 0; kh < g.kernel; kh++) {
              for (int kw = 0; kw < g.kernel; kw++) {
                int ih = r * g.stride + kh * g.dilation - g.pad;
                int iw = c * g.stride + kw * g.dilation - g.pad;
                float v = ih < 0 || ih >= g.height || iw < 0 || iw >= g.width ? 0f
                    : x[xo + ((group * perGroupChannels + ch) * g.height + ih) * g.width + iw];
                s = Math.fma(v, w[f * taps + k], s);
                k++;
              }
            }
          }
          y[(f * oh + r) * ow + c] = relu ? Math.max(s, 0f) : s;
        }
      }
    }
    if (!g.pool) {
      return y;
    }
    int ph = oh / 2;
    int pw = ow / 2;
    float[] p = new float[g.filters * ph * pw];
    for (int f = 0; f < g.filters; f++) {
      for (int r = 0; r < ph; r++) {
        for (int c = 0; c < pw; c++) {
          int at = (f * oh + 2 * r) * ow + 2 * c;
          p[(f * ph + r) * pw + c] = Math.max(Math.max(y[at], y[at + 1]), Math.max(y[at + ow], y[at + ow + 1]));
        }
      }
    }
    return p;
  }

  @Test
  void blocksOfSixOrFourFiltersWhicheverComputesFewer() {
    assertThat(VectorLanes.filterBlock(1)).isEqualTo(1);
    assertThat(VectorLanes.filterBlock(3)).isEqualTo(1);
    assertThat(VectorLanes.filterBlock(5)).isEqualTo(4);
    assertThat(VectorLanes.filterBlock(6)).isEqualTo(6); // LeNet-5's first: one block
    assertThat(VectorLanes.filterBlock(16)).isEqualTo(4); // 16 in fours, 18 in sixes
    assertThat(VectorLanes.filterBlock(12)).isEqualTo(6); // a tie
    assertThat(VectorLanes.filterBlock(7)).isEqualTo(4); // eight in fours, twelve in sixes
    assertThat(VectorLanes.filterBlock(18)).isEqualTo(6);
  }

}
