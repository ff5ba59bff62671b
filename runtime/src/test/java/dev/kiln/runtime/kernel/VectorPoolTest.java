package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API's 2x2 max pool against the generated kernels' scalar rule ({@code PoolCode.twoByTwoWinner}, written
 * out below): the same maxima to the bit and the same winners, on planes whose windows fill whole vectors, leave a
 * last vector to move back, or are fewer than a vector, with the ties a ReLU makes (many windows all zero), signed
 * zeros, infinities and NaN (the last NaN wins, as PyTorch's rule gives), in planes that start part-way into their
 * arrays.
 */
class VectorPoolTest {
  /**
   * {pooled height, pooled width, plane width, plane height}: planes of 196, 25, 1, 21, 64, 36, 40 and 48 windows
   * (with vectors of 16: a last vector moved back, one window alone, whole vectors); planes an odd number wide, whose
   * last column no window takes.
   */
  private static final int[][] PLANES = {{14, 14, 28, 28}, {5, 5, 10, 10}, {5, 5, 11, 11}, {1, 1, 2, 2},
      {3, 7, 15, 7}, {8, 8, 16, 16}, {4, 9, 18, 9}, {2, 20, 40, 4}, {3, 16, 33, 7}};

  @Test
  void sameMaximaAndWinnersAsTheScalarRule() {
    Random random = new Random(5);
    for (int[] plane : PLANES) {
      int ph = plane[0];
      int pw = plane[1];
      int width = plane[2];
      int size = width * plane[3];
      int[] starts = ConvWindows.starts(ph, pw, 2 * width, 2);
      for (int trial = 0; trial < 20; trial++) {
        int so = 3 + trial;
        float[] s = new float[so + size + 5];
        for (int i = 0; i < s.length; i++) {
          s[i] = value(random, trial);
        }
        int po = 2;
        int yo = 1000 * trial;
        float[] pooled = new float[po + ph * pw];
        int[] arg = new int[po + ph * pw];
        float[] expected = new float[po + ph * pw];
        int[] expectedArg = new int[po + ph * pw];
        float[] inference = new float[po + ph * pw];
        VectorBackend.maxPool2x2Winners(s, so, width, starts, pooled, arg, po, yo);
        VectorBackend.maxPool2x2(s, so, width, starts, inference, po);
        for (int oh = 0; oh < ph; oh++) {
          for (int ow = 0; ow < pw; ow++) {
            int i = oh * pw + ow;
            int c0 = so + oh * 2 * width + 2 * ow;
            int c1 = c0 + width;
            float v0 = s[c0];
            float v1 = s[c0 + 1];
            float v2 = s[c1];
            float v3 = s[c1 + 1];
            float best = Math.max(Math.max(v0, v1), Math.max(v2, v3));
            int at;
            if (best != best) {
              at = v3 != v3 ? c1 + 1 : v2 != v2 ? c1 : v1 != v1 ? c0 + 1 : c0;
            } else {
              at = v0 == best ? c0 : v1 == best ? c0 + 1 : v2 == best ? c1 : c1 + 1;
            }
            String where = String.format("%sx%s pool of a plane %s wide, trial %s, window %s", ph, pw, width, trial, i);
            assertWithMessage("%s: maximum", where).that(Float.floatToRawIntBits(pooled[po + i]))
                .isEqualTo(Float.floatToRawIntBits(best));
            assertWithMessage("%s: maximum without winners", where)
                .that(Float.floatToRawIntBits(inference[po + i])).isEqualTo(Float.floatToRawIntBits(best));
            assertWithMessage("%s: winner", where).that(arg[po + i]).isEqualTo(at - so + yo);
          }
        }
        assertWithMessage("nothing written before po").that(pooled[0]).isEqualTo(0f);
        assertWithMessage("nothing written before po").that(arg[1]).isEqualTo(0);
      }
    }
  }

  /** Values with ties: half zero (as after a ReLU), some signed zeros, and in later trials infinities and NaN. */
  private static float value(Random random, int trial) {
    int kind = random.nextInt(40);
    if (kind < 16) {
      return 0f;
    }
    if (kind == 16) {
      return -0f;
    }
    if (trial >= 10 && kind == 17) {
      return Float.NaN;
    }
    if (trial >= 10 && kind == 18) {
      return random.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
    }
    if (kind < 22) {
      return 1f; // exact ties between non-zero values
    }
    return (float) random.nextGaussian();
  }
}
