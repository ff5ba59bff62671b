package dev.kiln.runtime.kernel;

/**
 * Float tests done on the floats' bits in integer arithmetic, for kernels whose tests depend on the data: a float
 * comparison compiles to a conditional branch, and one that goes either way at random (which gradients are zero
 * after a ReLU and a max pool) mispredicts on a large share of the values. These return 0 or 1 from shifts and masks
 * instead, so that a kernel can count with them (listing the non-zero values) without branching.
 */
public final class FloatBits {
  private FloatBits() {}

  /** 1 if the float with these bits is not zero (either sign; NaN counts as non-zero), else 0. */
  public static int isNonZero(int bits) {
    int magnitude = bits & 0x7fffffff;
    return (magnitude | -magnitude) >>> 31;
  }

  /** 1 if the float with these bits is greater than zero (not NaN), else 0: bits in {@code 1..0x7f800000}. */
  public static int isPositive(int bits) {
    return (~((bits - 1) | (0x7f800000 - bits))) >>> 31;
  }
}
