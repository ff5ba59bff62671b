package dev.kiln.runtime.kernel;

/**
 * Rearranges weights for the generated kernels. A Dense layer's forward pass wants its weight transposed, one row per
 * input holding every output's weight, as separate arrays: the inner loop then walks a row and an accumulator from
 * index 0, which C2 vectorises.
 */
public final class Packing {
  private Packing() {}

  /** {@code out[c][r] = w[r * cols + c]}: the transpose of the row-major {@code rows x cols} matrix {@code w}. */
  public static void transpose(float[] w, int rows, int cols, float[][] out) {
    for (int r = 0; r < rows; r++) {
      int base = r * cols;
      for (int c = 0; c < cols; c++) {
        out[c][r] = w[base + c];
      }
    }
  }
}
