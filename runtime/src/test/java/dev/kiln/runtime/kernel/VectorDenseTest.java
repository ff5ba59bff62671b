package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API dense kernel against the sum written out in double precision, for shapes that exercise its blocks
 * of six samples and the samples left over, its pairs of vectors, single vectors and single outputs (the surefire
 * configuration adds the incubating module, as a user turning the kernel on would); and the flat transpose it reads.
 */
class VectorDenseTest {
  @Test
  void matchesTheSumInDoublePrecision() {
    int[][] shapes = {{13, 37, 45}, {6, 784, 256}, {1, 5, 3}, {64, 400, 120}, {64, 84, 10}, {7, 16, 16}, {12, 9, 8}};
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
        float[] wt = new float[in * out];
        Packing.transposeFlat(w, out, in, wt);
        float[] b = null;
        if (bias) {
          b = new float[out];
          for (int o = 0; o < out; o++) {
            b[o] = (float) random.nextGaussian();
          }
        }
        float[] y = new float[batch * out];
        java.util.Arrays.fill(y, Float.NaN);
        VectorBackend.denseForward(x, wt, b, y, batch, in, out);
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
