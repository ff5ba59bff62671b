package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ReLU's backward pass works on the floats' bits ({@link Activations#reluBackward}); it must give exactly what
 * {@code x > 0 ? g : 0f} gives, PyTorch's rule, for every kind of float: zeros of both signs, the smallest
 * subnormals, infinities and NaNs of both signs, and ordinary values. (The network tests reach it only through
 * ordinary values.)
 */
class ActivationsTest {
  @Test
  void reluBackwardPassesTheGradientExactlyWhereTheInputIsAboveZero() {
    float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0xFFC00001), Float.intBitsToFloat(0x7F800001), 1f, -1f};
    Random random = new Random(5);
    int n = special.length + 1000;
    float[] x = new float[n];
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i < special.length ? special[i] : (float) random.nextGaussian();
      // Gradients of every kind too, negative zero and NaN included, which pass through unchanged.
      g[i] = i < special.length ? special[special.length - 1 - i] : (float) random.nextGaussian();
    }
    float[] gx = new float[n];
    Activations.reluBackward(x, g, gx, n);
    for (int i = 0; i < n; i++) {
      float expected = x[i] > 0f ? g[i] : 0f;
      assertWithMessage("x = %s (bits %s), g = %s", x[i], Integer.toHexString(Float.floatToRawIntBits(x[i])), g[i])
          .that(Float.floatToRawIntBits(gx[i])).isEqualTo(Float.floatToRawIntBits(expected));
    }
    // In place, as the trainer calls it.
    float[] inPlace = g.clone();
    Activations.reluBackward(x, inPlace, inPlace, n);
    for (int i = 0; i < n; i++) {
      assertWithMessage("in place, x = %s", x[i]).that(Float.floatToRawIntBits(inPlace[i]))
          .isEqualTo(Float.floatToRawIntBits(gx[i]));
    }
  }
}
