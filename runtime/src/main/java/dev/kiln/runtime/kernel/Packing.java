package dev.kiln.runtime.kernel;

/**
 * Rearranges weights for the generated kernels. A Dense layer's forward pass wants its weight transposed, one row per
 * input holding every output's weight, as separate arrays: the inner loop then walks a row and an accumulator from
 * index 0, which C2 vectorises.
 */
public final class Packing {
  private Packing() {}

  /**
   * {@code rows} arrays of {@code length} floats (a length the generated code chose to fill whole cache lines), held
   * in an outer array padded to whole 64-byte lines too (its slots past {@code rows} are null): allocated one after
   * another, every array of a workspace's matrices then starts at the same offset within a cache line, so a
   * vectorised loop that C2 aligns to one of them is aligned to all of them.
   */
  public static float[][] rows(int rows, int length) {
    float[][] matrix = new float[rows + Math.floorMod(-(rows + 4), 16)][];
    for (int r = 0; r < rows; r++) {
      matrix[r] = new float[length];
    }
    return matrix;
  }

  /**
   * {@code out[c][r] = w[r * cols + c]}: the transpose of the row-major {@code rows x cols} matrix {@code w}. Eight
   * output rows at a time, each filled front to back while one pass down {@code w} reads eight adjacent values of
   * every row: the eight rows being written stay in L1 and every cache line of {@code w} is read once. (A training
   * step repacks every Dense weight; going along {@code w}'s rows instead, one store to each of {@code cols} output
   * rows in turn, missed L1 on nearly every store and took 2.4 times as long for a 256 x 784 weight.)
   */
  public static void transpose(float[] w, int rows, int cols, float[][] out) {
    transposeColumns(w, rows, cols, out, 0, cols);
  }

  /**
   * The output rows {@code [from, to)} of {@link #transpose}, whole: {@code out[c][r] = w[r * cols + c]} for those
   * {@code c} only. Threads may fill disjoint ranges of the same {@code out} at once (data-parallel training repacks
   * every Dense weight this way after each step). Split this way, each thread writes whole rows of its own; split by
   * the weight's rows instead, the two threads wrote the two halves of every output row side by side and fought
   * over the cache line where the halves meet, once per row: two threads repacking a 256 x 784 weight took 64 µs
   * that way against 70 µs for one, and 40 µs split by output row (scratch harness).
   */
  public static void transposeColumns(float[] w, int rows, int cols, float[][] out, int from, int to) {
    checkRange(cols, from, to);
    int c = from;
    for (; c + 8 <= to; c += 8) {
      float[] o0 = out[c], o1 = out[c + 1], o2 = out[c + 2], o3 = out[c + 3];
      float[] o4 = out[c + 4], o5 = out[c + 5], o6 = out[c + 6], o7 = out[c + 7];
      for (int r = 0; r < rows; r++) {
        int b = r * cols + c;
        o0[r] = w[b];
        o1[r] = w[b + 1];
        o2[r] = w[b + 2];
        o3[r] = w[b + 3];
        o4[r] = w[b + 4];
        o5[r] = w[b + 5];
        o6[r] = w[b + 6];
        o7[r] = w[b + 7];
      }
    }
    for (; c < to; c++) {
      float[] o = out[c];
      for (int r = 0; r < rows; r++) {
        o[r] = w[r * cols + c];
      }
    }
  }

  /**
   * The same transpose into one flat array: {@code out[c * rows + r] = w[r * cols + c]}, the layout of the opt-in
   * Vector API kernels ({@link VectorBackend}). Walks the weight in 8-column strips, so that each strip's reads stay
   * in a few cache lines per row and each output row is written in order.
   */
  public static void transposeFlat(float[] w, int rows, int cols, float[] out) {
    transposeFlatColumns(w, rows, cols, out, 0, cols);
  }

  /**
   * The output rows {@code [from, to)} of {@link #transposeFlat}: one contiguous stretch of {@code out}, so threads
   * filling disjoint ranges share at most the cache line where their stretches meet (see {@link #transposeColumns}).
   */
  public static void transposeFlatColumns(float[] w, int rows, int cols, float[] out, int from, int to) {
    checkRange(cols, from, to);
    for (int c0 = from; c0 < to; c0 += 8) {
      int c1 = Math.min(to, c0 + 8);
      for (int r = 0; r < rows; r++) {
        int base = r * cols;
        for (int c = c0; c < c1; c++) {
          out[c * rows + r] = w[base + c];
        }
      }
    }
  }

  private static void checkRange(int cols, int from, int to) {
    if (from < 0 || from > to || to > cols) {
      throw new IllegalArgumentException("columns [" + from + ", " + to + ") outside 0.." + cols);
    }
  }
}
