package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertWithMessage;

import org.junit.jupiter.api.Test;

/**
 * {@link Elementwise#firstNonFinite}: the first NaN or infinity wherever it lies, none among finite values, and only
 * within the slice asked for.
 */
class ElementwiseTest {
  private static final int CHUNK = Elementwise.FINITE_CHUNK;
  private static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
      Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffc00000)};

  /** Finite values of every kind: zeros of both signs, the smallest subnormal, the largest of both signs, others. */
  private static float[] finite(int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = switch (i % 6) {
        case 0 -> -0f;
        case 1 -> Float.MIN_VALUE;
        case 2 -> -Float.MAX_VALUE;
        case 3 -> Float.MAX_VALUE;
        case 4 -> (float) Math.sin(i) * 1e-3f;
        default -> 0f;
      };
    }
    return values;
  }

  @Test
  void findsTheFirstNonFiniteValueInAnyChunk() {
    float[] scratch = new float[CHUNK];
    for (int n : new int[] {1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5}) {
      assertWithMessage("n %s, all finite", n).that(Elementwise.firstNonFinite(finite(n), 0, n, scratch)).isEqualTo(-1);
      // A chunk's first and last place, the next chunk's first, the last partial chunk's last.
      for (int at : new int[] {0, CHUNK - 1, CHUNK, n - 1}) {
        if (at >= n) {
          continue;
        }
        for (float special : SPECIALS) {
          float[] values = finite(n);
          values[at] = special;
          assertWithMessage("n %s, %s at %s", n, special, at).that(Elementwise.firstNonFinite(values, 0, n, scratch))
              .isEqualTo(at);
          values[n - 1] = Float.NaN; // a later one does not hide the first
          assertWithMessage("n %s, %s at %s and NaN last", n, special, at)
              .that(Elementwise.firstNonFinite(values, 0, n, scratch)).isEqualTo(at);
          // A slice sees only its own values, as a thread checking its share of a gradient does.
          assertWithMessage("n %s, %s at %s, the slice before it", n, special, at)
              .that(Elementwise.firstNonFinite(values, 0, at, scratch)).isEqualTo(-1);
          if (at + 1 < n - 1) {
            assertWithMessage("n %s, %s at %s, the slice after it", n, special, at)
                .that(Elementwise.firstNonFinite(values, at + 1, n - 1, scratch)).isEqualTo(-1);
            assertWithMessage("n %s, the slice from %s to the end", n, at + 1)
                .that(Elementwise.firstNonFinite(values, at + 1, n, scratch)).isEqualTo(n - 1);
          }
        }
      }
    }
  }
}
