package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API dense kernel against the sum written out in double precision, for shapes that exercise its blocks
 * of six samples, fewer samples one at a time (sixteen, eight or four vectors, pairs, single vectors, the last of
 * them moved back to end at the last output), and layers narrower than a vector (dot products in blocks of four by
 * four, or one at a time) (the surefire configuration adds the incubating module, as a user turning the kernel on
 * would); the backward kernels the same way; and the flat transpose the forward kernel reads.
 */
class VectorDenseTest {
  @Test
  void matchesTheSumInDoublePrecision() {
    int[][] shapes = {{13, 37, 45}, {6, 784, 256}, {1, 5, 3}, {64, 400, 120}, {64, 84, 10}, {7, 16, 16}, {12, 9, 8},
        {64, 128, 10}, {5, 84, 10}, {3, 20, 2}, {9, 33, 7}, {1, 784, 256}, {3, 40, 100}, {2, 30, 20}, {5, 50, 16},
        // the wide blocks where vectors hold 16 floats: eight by three for 784 and 84 outputs at batch 64 and, its
        // last block of outputs moved back, 50 at batch 8; six by four (256 at batch 64 above) with the last blocks
        // moved back both ways for 120 outputs at batch 7 and 100 at 13; one sample by sixteen or eight vectors with
        // the rest after them; more than seven vectors left in one pass of eight, the last moved back (LeNet-5's 120
        // outputs at batch 1, and 250: sixteen vectors, then eight), fewer in fours and pairs (84, and 72)
        {64, 256, 784}, {64, 120, 84}, {8, 10, 50}, {7, 30, 120}, {13, 20, 100}, {1, 30, 300}, {2, 20, 150},
        {1, 10, 200}, {1, 400, 120}, {1, 120, 84}, {2, 50, 72}, {1, 30, 250}};
    Random random = new Random(3);
    for (int[] shape : shapes) {
      int batch = shape[0];
      int in = shape[1];
      int out = shape[2];
      for (boolean bias : new boolean[] {true, false}) {
        float[] x = new float[batch * in];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) random.nextGaussian();
        }
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
          w[i] = (float) random.nextGaussian();
        }
        float[] wt = flatCopy(w, out, in);
        float[] b = null;
        if (bias) {
          b = new float[out];
          for (int o = 0; o < out; o++) {
            b[o] = (float) random.nextGaussian();
          }
        }
        float[] y = new float[batch * out];
        java.util.Arrays.fill(y, Float.NaN);
        VectorBackend.denseForward(x, w, wt, b, y, batch, in, out);
        for (int n = 0; n < batch; n++) {
          for (int o = 0; o < out; o++) {
            double sum = b == null ? 0 : b[o];
            double magnitude = Math.abs(sum);
            for (int k = 0; k < in; k++) {
              double term = (double) x[n * in + k] * w[o * in + k];
              sum += term;
              magnitude += Math.abs(term);
            }
            assertWithMessage("batch %s in %s out %s bias %s: y[%s][%s]", batch, in, out, bias, n, o)
                .that((double) y[n * out + o]).isWithin(1e-6 * magnitude).of(sum);
          }
        }
      }
    }
  }

  /**
   * The backward kernels against sums in double precision: the weight gradient added onto what the gradient arrays
   * already hold (blocks of six outputs and the outputs left over, pairs of vectors of inputs, single vectors and the
   * inputs left over), the bias gradient, and the input gradient, written over whatever the array held; with {@code
   * inputGrad} false the input gradient is left alone.
   */
  @Test
  void backwardMatchesTheSumsInDoublePrecision() {
    int[][] shapes = {{64, 784, 256}, {13, 37, 45}, {1, 5, 3}, {64, 400, 120}, {64, 84, 10}, {7, 16, 16}, {12, 9, 8},
        {3, 48, 6}, {5, 100, 7}, {10, 70, 13}, {9, 200, 20}, {64, 120, 84}};
    Random random = new Random(7);
    for (int[] shape : shapes) {
      int batch = shape[0];
      int in = shape[1];
      int out = shape[2];
      for (boolean bias : new boolean[] {true, false}) {
        float[] x = gaussian(random, batch * in);
        float[] w = gaussian(random, out * in);
        float[] g = gaussian(random, batch * out);
        for (int i = 0; i < g.length; i += 3) {
          g[i] = 0f; // as after a ReLU: the kernels must not depend on the zeros being there or not
        }
        float[] gw0 = gaussian(random, out * in);
        float[] gw = gw0.clone();
        float[] gb0 = bias ? gaussian(random, out) : null;
        float[] gb = bias ? gb0.clone() : null;
        float[] gx = new float[batch * in];
        java.util.Arrays.fill(gx, Float.NaN);
        VectorBackend.denseBackward(x, w, g, gx, gw, gb, batch, in, out, true);
        String shapeName = String.format("batch %s in %s out %s bias %s", batch, in, out, bias);
        for (int o = 0; o < out; o++) {
          for (int k = 0; k < in; k++) {
            double sum = gw0[o * in + k];
            double magnitude = Math.abs(sum);
            for (int n = 0; n < batch; n++) {
              double term = (double) g[n * out + o] * x[n * in + k];
              sum += term;
              magnitude += Math.abs(term);
            }
            assertWithMessage("%s: gw[%s][%s]", shapeName, o, k).that((double) gw[o * in + k])
                .isWithin(1e-6 * magnitude).of(sum);
          }
          if (bias) {
            double sum = gb0[o];
            double magnitude = Math.abs(sum);
            for (int n = 0; n < batch; n++) {
              sum += g[n * out + o];
              magnitude += Math.abs(g[n * out + o]);
            }
            assertWithMessage("%s: gb[%s]", shapeName, o).that((double) gb[o]).isWithin(1e-6 * magnitude).of(sum);
          }
        }
        for (int n = 0; n < batch; n++) {
          for (int k = 0; k < in; k++) {
            double sum = 0;
            double magnitude = 0;
            for (int o = 0; o < out; o++) {
              double term = (double) g[n * out + o] * w[o * in + k];
              sum += term;
              magnitude += Math.abs(term);
            }
            assertWithMessage("%s: gx[%s][%s]", shapeName, n, k).that((double) gx[n * in + k])
                .isWithin(1e-6 * magnitude).of(sum);
          }
        }
        float[] untouched = new float[batch * in];
        java.util.Arrays.fill(untouched, 42f);
        VectorBackend.denseBackward(x, w, g, untouched, gw, gb, batch, in, out, false);
        for (float v : untouched) {
          assertWithMessage("%s: gx without inputGrad", shapeName).that(v).isEqualTo(42f);
        }
      }
    }
  }

  /**
   * Each sample's outputs come out the same bits in a batch, whatever block it falls in (and however often an
   * overlapping block computes it), as alone: every block sums an output in the same order.
   */
  @Test
  void aSampleGetsTheSameBitsInAnyBatch() {
    int[][] shapes = {{64, 784, 256}, {64, 256, 784}, {64, 120, 84}, {13, 30, 100}, {9, 40, 50}, {64, 84, 10},
        {64, 400, 120}, {8, 50, 72}};
    Random random = new Random(11);
    for (int[] shape : shapes) {
      int batch = shape[0];
      int in = shape[1];
      int out = shape[2];
      float[] x = gaussian(random, batch * in);
      float[] w = gaussian(random, out * in);
      float[] b = gaussian(random, out);
      float[] wt = flatCopy(w, out, in);
      float[] y = new float[batch * out];
      VectorBackend.denseForward(x, w, wt, b, y, batch, in, out);
      float[] alone = new float[out];
      for (int n = 0; n < batch; n++) {
        float[] sample = java.util.Arrays.copyOfRange(x, n * in, (n + 1) * in);
        VectorBackend.denseForward(sample, w, wt, b, alone, 1, in, out);
        for (int o = 0; o < out; o++) {
          assertWithMessage("batch %s in %s out %s: sample %s output %s", batch, in, out, n, o)
              .that(Float.floatToRawIntBits(y[n * out + o])).isEqualTo(Float.floatToRawIntBits(alone[o]));
        }
      }
    }
  }

  /** The flat transposed copy the forward kernels read, from index {@link VectorBackend#DENSE_FLAT_BASE}. */
  private static float[] flatCopy(float[] w, int out, int in) {
    float[] wt = VectorBackend.newDenseFlat(out, in);
    Packing.transposeFlat(w, out, in, wt, VectorBackend.DENSE_FLAT_BASE);
    return wt;
  }

  private static float[] gaussian(Random random, int count) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  /**
   * Every weight-gradient block, the inputs and outputs left over included, adds each weight's products onto its
   * gradient in the samples' order with fused multiply-adds, and each bias's sum from zero: so the results are
   * exactly the bits of that order written out in floats.
   */
  @Test
  void gradientsAreTheBitsOfTheSamplesOrder() {
    int[][] shapes = {{64, 784, 256}, {64, 120, 84}, {64, 84, 10}, {9, 200, 20}, {5, 37, 13}};
    Random random = new Random(13);
    for (int[] shape : shapes) {
      int batch = shape[0];
      int in = shape[1];
      int out = shape[2];
      float[] x = gaussian(random, batch * in);
      float[] g = gaussian(random, batch * out);
      float[] gw = gaussian(random, out * in);
      float[] gb = gaussian(random, out);
      float[] expectedW = gw.clone();
      float[] expectedB = gb.clone();
      for (int o = 0; o < out; o++) {
        float bias = 0f;
        for (int n = 0; n < batch; n++) {
          bias += g[n * out + o];
        }
        expectedB[o] += bias;
        for (int k = 0; k < in; k++) {
          float sum = expectedW[o * in + k];
          for (int n = 0; n < batch; n++) {
            sum = Math.fma(g[n * out + o], x[n * in + k], sum);
          }
          expectedW[o * in + k] = sum;
        }
      }
      VectorBackend.denseBackward(x, null, g, null, gw, gb, batch, in, out, false);
      for (int i = 0; i < gw.length; i++) {
        assertWithMessage("batch %s in %s out %s: gw[%s][%s]", batch, in, out, i / in, i % in)
            .that(Float.floatToRawIntBits(gw[i])).isEqualTo(Float.floatToRawIntBits(expectedW[i]));
      }
      for (int o = 0; o < out; o++) {
        assertWithMessage("batch %s in %s out %s: gb[%s]", batch, in, out, o)
            .that(Float.floatToRawIntBits(gb[o])).isEqualTo(Float.floatToRawIntBits(expectedB[o]));
      }
    }
  }

  /** The forward block's vectors of outputs (4: six samples by four; 3: eight by three; 2: six by two). */
  @Test
  void wideBlocksWhereTheyComputeFewerProducts() {
    if (VectorDense.WIDE_BLOCKS) {
      assertWithMessage("the MLP's first layer").that(VectorDense.blockVectors(64, 256)).isEqualTo(4);
      assertWithMessage("its input gradient").that(VectorDense.blockVectors(64, 784)).isEqualTo(3);
      assertWithMessage("LeNet-5's 84 outputs").that(VectorDense.blockVectors(64, 84)).isEqualTo(3);
      assertWithMessage("seven samples, 120 outputs").that(VectorDense.blockVectors(7, 120)).isEqualTo(4);
      assertWithMessage("seven samples, 70 outputs").that(VectorDense.blockVectors(7, 70)).isEqualTo(2);
    } else {
      assertWithMessage("AVX2").that(VectorDense.blockVectors(64, 256)).isEqualTo(2);
    }
  }

  /**
   * Every forward block sums each output from its bias in the inputs' order with fused multiply-adds, so the
   * outputs are exactly the bits of that order written out in floats; and so are a training thread's share of the
   * outputs (a range of whole vectors or not, the last block moved back within it) and the sums over a range of
   * inputs that a split inference adds up.
   */
  @Test
  void forwardIsTheBitsOfTheInputsOrder() {
    int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    int[][] shapes = {{64, 784, 256}, {1, 784, 256}, {7, 256, 128}, {64, 400, 120}, {1, 400, 120}, {64, 120, 84},
        {13, 84, 10}, {6, 9, 16}, {2, 30, 48}};
    Random random = new Random(19);
    for (int[] shape : shapes) {
      int batch = shape[0];
      int in = shape[1];
      int out = shape[2];
      if (out < lanes) {
        continue;  // narrower than a vector: dot products, their lanes summed apart (matchesTheSumInDoublePrecision)
      }
      float[] x = gaussian(random, batch * in);
      float[] w = gaussian(random, out * in);
      float[] b = gaussian(random, out);
      float[] wt = flatCopy(w, out, in);
      float[] y = new float[batch * out];
      VectorBackend.denseForward(x, w, wt, b, y, batch, in, out);
      String name = String.format("batch %s in %s out %s", batch, in, out);
      assertBitsOfTheInputsOrder(name, x, w, b, y, batch, in, out, 0, out, 0, in);
      for (int[] range : new int[][] {{0, out / 2}, {out / 2, out}, {lanes, out}, {lanes + 1, out - 1}}) {
        if (range[1] - range[0] < lanes) {
          continue;
        }
        float[] part = new float[batch * out];
        java.util.Arrays.fill(part, Float.NaN);
        VectorBackend.denseForwardPart(x, w, wt, b, part, batch, in, out, range[0], range[1]);
        assertBitsOfTheInputsOrder(name + " outputs " + range[0] + ".." + range[1], x, w, b, part, batch, in, out,
            range[0], range[1], 0, in);
        for (int n = 0; n < batch; n++) {
          for (int o = 0; o < out; o++) {
            if (o < range[0] || o >= range[1]) {
              assertWithMessage("%s: outside the share, y[%s][%s]", name, n, o).that(Float.isNaN(part[n * out + o]))
                  .isTrue();
            }
          }
        }
      }
      float[] share = new float[batch * out];
      VectorBackend.denseForwardInputs(x, w, wt, b, share, batch, in, out, 0, in / 3);
      assertBitsOfTheInputsOrder(name + " inputs 0.." + in / 3, x, w, b, share, batch, in, out, 0, out, 0, in / 3);
      VectorBackend.denseForwardInputs(x, w, wt, null, share, batch, in, out, in / 3, in);
      assertBitsOfTheInputsOrder(name + " inputs " + in / 3 + ".." + in, x, w, null, share, batch, in, out, 0, out,
          in / 3, in);
    }
  }

  private static void assertBitsOfTheInputsOrder(String name, float[] x, float[] w, float[] b, float[] y, int batch,
      int in, int out, int from, int to, int k0, int k1) {
    for (int n = 0; n < batch; n++) {
      for (int o = from; o < to; o++) {
        float sum = b == null ? 0f : b[o];
        for (int k = k0; k < k1; k++) {
          sum = Math.fma(x[n * in + k], w[o * in + k], sum);
        }
        assertWithMessage("%s: y[%s][%s]", name, n, o).that(Float.floatToRawIntBits(y[n * out + o]))
            .isEqualTo(Float.floatToRawIntBits(sum));
      }
    }
  }

  @Test
  void flatTransposeMatchesTheRowTranspose() {
    Random random = new Random(5);
    for (int[] shape : new int[][] {{10, 84}, {256, 784}, {3, 5}, {9, 17}}) {
      int rows = shape[0];
      int cols = shape[1];
      float[] w = new float[rows * cols];
      for (int i = 0; i < w.length; i++) {
        w[i] = random.nextFloat();
      }
      float[][] byRows = new float[cols][rows];
      Packing.transpose(w, rows, cols, byRows);
      float[] flat = new float[rows * cols];
      Packing.transposeFlat(w, rows, cols, flat);
      for (int c = 0; c < cols; c++) {
        for (int r = 0; r < rows; r++) {
          assertWithMessage("%sx%s [%s][%s]", rows, cols, c, r).that(flat[c * rows + r]).isEqualTo(byRows[c][r]);
        }
      }
    }
  }

  @Test
  void isOffUnlessAskedFor() {
    assertWithMessage("kiln.vector is not set in these tests").that(VectorBackend.ENABLED).isFalse();
  }
}
