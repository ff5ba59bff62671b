package dev.kiln.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatBitsTest {
  @Test
  void zeroAndSignTestsAgreeWithFloatComparisons() {
    for (float v : values()) {
      int bits = Float.floatToRawIntBits(v);
      assertEquals(v != 0f ? 1 : 0, FloatBits.isNonZero(bits), () -> "isNonZero " + Integer.toHexString(bits));
      assertEquals(v > 0f ? 1 : 0, FloatBits.isPositive(bits), () -> "isPositive " + Integer.toHexString(bits));
    }
  }

  private static List<Float> values() {
    List<Float> values = new ArrayList<>(List.of(0f, -0f, 1f, -1f, 2f, -2f, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7f800001),
        Float.intBitsToFloat(0xff800001), 1e-30f, -1e-30f, 3.5f, 3.5000002f));
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      values.add(Float.intBitsToFloat(random.nextInt()));
      values.add((float) random.nextGaussian());
    }
    return values;
  }
}
