package dev.kiln.runtime.kernel;

/**
 * Rearranges weights for the generated kernels. A Dense layer's forward pass wants its weight transposed, one row per
 * input holding every output's weight, as separate arrays: the inner loop then walks a row and an accumulator from
 * index 0, which C2 vectorises.
 */
public final class Packing {
  private Packing() {}

  /**
   * {@code out[c][r] = w[r * cols + c]}: the transpose of the row-major {@code rows x cols} matrix {@code w}. Eight
   * rows at a time, so that each output row's cache line takes eight values per visit rather than one (a training
   * step repacks every Dense weight, and the one-at-a-time transpose missed L1 on nearly every store).
   */
  public static void transpose(float[] w, int rows, int cols, float[][] out) {
    int r = 0;
    for (; r + 8 <= rows; r += 8) {
      int b0 = r * cols;
      for (int c = 0; c < cols; c++) {
        float[] o = out[c];
        int b = b0 + c;
        o[r] = w[b];
        o[r + 1] = w[b + cols];
        o[r + 2] = w[b + 2 * cols];
        o[r + 3] = w[b + 3 * cols];
        o[r + 4] = w[b + 4 * cols];
        o[r + 5] = w[b + 5 * cols];
        o[r + 6] = w[b + 6 * cols];
        o[r + 7] = w[b + 7 * cols];
      }
    }
    for (; r < rows; r++) {
      int base = r * cols;
      for (int c = 0; c < cols; c++) {
        out[c][r] = w[base + c];
      }
    }
  }
}
