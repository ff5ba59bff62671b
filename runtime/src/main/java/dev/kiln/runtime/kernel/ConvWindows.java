package dev.kiln.runtime.kernel;

/**
 * Tables that generated convolution kernels build once, in a static initializer, and index in their inner loops in
 * place of arithmetic they would otherwise repeat per value.
 */
public final class ConvWindows {
  private ConvWindows() {}

  /**
   * Where the window of each output position starts in the source image, relative to the image's first value:
   * {@code starts[p] = (p / outWidth) * rowStep + (p % outWidth) * columnStep} for the {@code outHeight * outWidth}
   * positions in row-major order. A kernel that lists positions in data-dependent order (the winners of a max pool)
   * reads this instead of dividing each position by the output width: a division by a constant is a multiply, a
   * shift and a subtraction per value in the listing loop, the table one load.
   */
  public static int[] starts(int outHeight, int outWidth, int rowStep, int columnStep) {
    if (outHeight <= 0 || outWidth <= 0) {
      throw new IllegalArgumentException("output must be at least 1x1, got " + outHeight + "x" + outWidth);
    }
    int[] starts = new int[outHeight * outWidth];
    int p = 0;
    for (int oh = 0; oh < outHeight; oh++) {
      for (int ow = 0; ow < outWidth; ow++) {
        starts[p++] = oh * rowStep + ow * columnStep;
      }
    }
    return starts;
  }
}
