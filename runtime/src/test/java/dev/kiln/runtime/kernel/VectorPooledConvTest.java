package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The one-sample pooled convolution kernels against the convolution written out as the im2col kernels compute it
 * (from the bias, one fused multiply-add per tap in weight order, ReLU then {@code Math.max} pooling row by row): the
 * same bits, on geometries that take every block. Filters in lanes: five windows a block, four, the last block moved
 * back, two filter vectors. Pooled positions in lanes: blocks of four and of three filters, each moved back, single
 * filters, a wide grid
 * narrower than a vector (scalar), pooled rows narrower than four. With padding, odd outputs (the pool drops the last
 * row or column), no bias, no ReLU, NaN in the input, and samples at offsets of their arrays one after another on one
 * scratch array.
 */
class VectorPooledConvTest {
  private final Random random = new Random(11);
  private static final int LANES = VectorLanes.LANES;

  /** A convolution: input channels, height, width, padding, filters, kernel. */
  private record Geometry(int channels, int height, int width, int pad, int filters, int kernel) {
    int outHeight() {
      return height + 2 * pad - kernel + 1;
    }

    int outWidth() {
      return width + 2 * pad - kernel + 1;
    }

    int pooledHeight() {
      return outHeight() / 2;
    }

    int pooledWidth() {
      return outWidth() / 2;
    }

    int taps() {
      return channels * kernel * kernel;
    }
  }

  private float[] gaussian(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }

  /** The convolution, ReLU and pool of sample {@code x[xo..]} written out. */
  private static float[] expected(Geometry g, float[] x, int xo, float[] w, float[] b, boolean relu) {
    int oh = g.outHeight();
    int ow = g.outWidth();
    float[] conv = new float[g.filters() * oh * ow];
    for (int f = 0; f < g.filters(); f++) {
      for (int r = 0; r < oh; r++) {
        for (int c = 0; c < ow; c++) {
          float s = b == null ? 0f : b[f];
          int k = 0;
          for (int ch = 0; ch < g.channels(); ch++) {
            for (int kh = 0; kh < g.kernel(); kh++) {
              for (int kw = 0; kw < g.kernel(); kw++) {
                int ih = r + kh - g.pad();
                int iw = c + kw - g.pad();
                boolean inside = ih >= 0 && iw >= 0 && ih < g.height() && iw < g.width();
                float v = inside ? x[xo + (ch * g.height() + ih) * g.width() + iw] : 0f;
                s = Math.fma(v, w[f * g.taps() + k++], s);
              }
            }
          }
          conv[(f * oh + r) * ow + c] = relu ? Math.max(s, 0f) : s;
        }
      }
    }
    int ph = g.pooledHeight();
    int pw = g.pooledWidth();
    float[] pooled = new float[g.filters() * ph * pw];
    for (int f = 0; f < g.filters(); f++) {
      for (int r = 0; r < ph; r++) {
        for (int c = 0; c < pw; c++) {
          int o = (f * oh + 2 * r) * ow + 2 * c;
          pooled[(f * ph + r) * pw + c] =
              Math.max(Math.max(conv[o], conv[o + 1]), Math.max(conv[o + ow], conv[o + ow + 1]));
        }
      }
    }
    return pooled;
  }

  @Test
  void eachSampleGetsTheBitsOfTheConvolutionWrittenOut() {
    Geometry[] geometries = {
      new Geometry(1, 28, 28, 2, 6, 5), // LeNet-5's first: positions in lanes, two blocks of three filters
      new Geometry(2, 10, 12, 1, 7, 3), // seven filters: blocks of four, the last moved back
      new Geometry(6, 14, 14, 0, 16, 5), // LeNet-5's second: filters in lanes, five windows a block
      new Geometry(1, 28, 28, 2, 16, 5), // filters in lanes, rows of 14: blocks of five, the last moved back
      new Geometry(2, 11, 13, 1, 32, 3), // two filter vectors; rows of six: blocks of four, the last moved back
      new Geometry(3, 8, 8, 0, 16, 1), // a 1x1 kernel; rows of four: one block of four
      new Geometry(2, 9, 11, 0, 5, 2), // odd outputs (8 x 10 -> 4 x 5); five filters, blocks of three moved back
      new Geometry(1, 8, 9, 0, 2, 2), // single filters; a wide grid of 14 positions (scalar on 16 lanes)
      new Geometry(2, 6, 6, 1, 16, 3) // filters fill a vector but rows of three: positions in lanes
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
    int samples = 3;
    int sample = g.channels() * g.height() * g.width();
    int pooled = g.filters() * g.pooledHeight() * g.pooledWidth();
    float[] x = gaussian(samples * sample + 5);
    // A NaN in the last sample's first pixel: it reaches the windows that see it, as in PyTorch.
    x[2 + 2 * sample] = Float.NaN;
    float[] w = gaussian(g.filters() * g.taps());
    float[] b = bias ? gaussian(g.filters()) : null;
    float[] wt = new float[w.length];
    Packing.transposeFlat(w, g.filters(), g.taps(), wt);
    int[] taps = VectorPooledConv.taps(g.channels(), g.height(), g.width(), g.pad(), g.pad(), g.filters(),
        g.kernel(), g.kernel());
    float[] scratch = new float[VectorPooledConv.scratchSize(g.channels(), g.height(), g.width(), g.pad(), g.pad(),
        g.filters(), g.kernel(), g.kernel())];
    float[] out = new float[3 + samples * pooled];
    for (int n = 0; n < samples; n++) {
      int xo = 2 + n * sample;
      int oo = 3 + n * pooled;
      VectorPooledConv.forward(x, xo, g.channels(), g.height(), g.width(), g.pad(), g.pad(), g.filters(),
          g.kernel(), g.kernel(), w, wt, b, taps, relu, scratch, out, oo);
      float[] want = expected(g, x, xo, w, b, relu);
      for (int i = 0; i < pooled; i++) {
        assertWithMessage("%s bias %s relu %s sample %s output %s", g, bias, relu, n, i)
            .that(Float.floatToRawIntBits(out[oo + i])).isEqualTo(Float.floatToRawIntBits(want[i]));
      }
    }
    assertThat(Float.isNaN(out[3 + 2 * pooled])).isTrue();
  }

  @Test
  void positionsInLanesTakeBlocksOfFourOrThreeFiltersWhicheverComputesFewer() {
    assertThat(VectorPooledConv.filterBlock(6)).isEqualTo(3);
    assertThat(VectorPooledConv.filterBlock(5)).isEqualTo(3);
    assertThat(VectorPooledConv.filterBlock(7)).isEqualTo(4);
    assertThat(VectorPooledConv.filterBlock(16)).isEqualTo(4);
    assertThat(VectorPooledConv.filterBlock(2)).isEqualTo(1);
    assertThat(VectorPooledConv.filterBlock(3)).isEqualTo(3);
    assertThat(VectorPooledConv.filterBlock(12)).isEqualTo(4); // a tie: the larger block
  }

  @Test
  void filtersGoInLanesWhenTheyFillVectorsAndRowsAreFourWide() {
    assertThat(VectorPooledConv.filtersInLanes(LANES, 4)).isTrue();
    assertThat(VectorPooledConv.filtersInLanes(2 * LANES, 5)).isTrue();
    assertThat(VectorPooledConv.filtersInLanes(LANES, 3)).isFalse();
    assertThat(VectorPooledConv.filtersInLanes(LANES + 2, 14)).isFalse();
  }
}
