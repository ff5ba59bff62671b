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
    transposeRows(w, rows, cols, out, 0, rows);
  }

  /**
   * {@link #transpose} into the output rows from index {@code start} on: {@code out[c][start + r] = w[r * cols + c]}.
   * The default build's dense kernels read their transposed rows from {@link AlignedArena#FIRST}, the index their
   * aligned accumulators use, since C2 vectorises a loop only when its arrays share an offset within a vector.
   */
  public static void transpose(float[] w, int rows, int cols, float[][] out, int start) {
    transposeRows(w, rows, cols, out, 0, rows, start);
  }

  /**
   * The part of {@link #transpose} that comes from the weight's rows {@code [from, to)}: {@code out[c][r] = w[r *
   * cols + c]} for those {@code r} and every {@code c}. Threads may fill disjoint row ranges of the same {@code out}
   * at once. Data-parallel training repacks every Dense weight this way after each step, each thread the rows its
   * own share of the optimizer step has just written (the optimizer splits each parameter's values into contiguous
   * ranges, which for a weight are ranges of its rows). The rows are then still in that thread's caches, and no other
   * thread reads them, so the next step's update of them invalidates no other core's copy.
   *
   * <p>Split by the output's rows instead (the weight's columns), each thread read the whole weight, half of it just
   * written by the other thread. On a virtual machine whose two cores did not share a last-level cache, that made
   * the MLP's step at two threads 1.33-1.40 ms against 0.79-0.82 ms when they did; split by the weight's rows it
   * takes 1.13-1.24 ms there and 0.80-0.84 ms with a shared cache (scratch harness, JVMs alternating the builds).
   *
   * <p>The threads write different stretches of the same output rows and so share the cache line where their
   * stretches meet. To keep them from meeting there at the same moment, each range starts at another block of
   * eight output rows, in proportion to where the range starts among the weight's rows, and wraps around.
   */
  public static void transposeRows(float[] w, int rows, int cols, float[][] out, int from, int to) {
    transposeRows(w, rows, cols, out, from, to, 0);
  }

  /**
   * {@link #transposeRows} into the output rows from index {@code start} on (see {@link #transpose(float[], int, int,
   * float[][], int)}).
   */
  public static void transposeRows(float[] w, int rows, int cols, float[][] out, int from, int to, int start) {
    checkRange(rows, from, to);
    if (from == to) {
      return;
    }
    int first = (int) ((long) (cols / 8) * from / rows);
    transposeRange(w, cols, out, from, to, first, -start);
  }

  /**
   * The transpose of the weight's rows {@code [from, to)} alone, into a copy of their own: {@code out[c][r - from] =
   * w[r * cols + c]} for those {@code r} and every {@code c} (as {@link #transposeRows}, whose output this is a
   * stretch of every row of, moved to index 0). Where two threads split a dense layer's forward pass by its outputs,
   * each reads and remakes a copy of this kind for its half, arrays no other thread touches.
   */
  public static void transposePart(float[] w, int rows, int cols, float[][] out, int from, int to) {
    transposePart(w, rows, cols, out, from, to, 0);
  }

  /** {@link #transposePart} into the output rows from index {@code start} on: {@code out[c][start + r - from]}. */
  public static void transposePart(float[] w, int rows, int cols, float[][] out, int from, int to, int start) {
    checkRange(rows, from, to);
    transposeRange(w, cols, out, from, to, 0, from - start);
  }

  /**
   * {@code out[c][r - shift] = w[r * cols + c]} for the weight's rows {@code [from, to)}: eight output rows at a
   * time (see {@link #transpose}), starting at block {@code first} of eight and wrapping around, then the columns
   * left over one at a time.
   */
  private static void transposeRange(float[] w, int cols, float[][] out, int from, int to, int first, int shift) {
    int blocks = cols / 8;
    for (int i = 0; i < blocks; i++) {
      int c = (first + i) % blocks * 8;
      float[] o0 = out[c], o1 = out[c + 1], o2 = out[c + 2], o3 = out[c + 3];
      float[] o4 = out[c + 4], o5 = out[c + 5], o6 = out[c + 6], o7 = out[c + 7];
      for (int r = from; r < to; r++) {
        int b = r * cols + c;
        int k = r - shift;
        o0[k] = w[b];
        o1[k] = w[b + 1];
        o2[k] = w[b + 2];
        o3[k] = w[b + 3];
        o4[k] = w[b + 4];
        o5[k] = w[b + 5];
        o6[k] = w[b + 6];
        o7[k] = w[b + 7];
      }
    }
    for (int c = blocks * 8; c < cols; c++) {
      float[] o = out[c];
      for (int r = from; r < to; r++) {
        o[r - shift] = w[r * cols + c];
      }
    }
  }

  /**
   * The same transpose into one flat array: {@code out[c * rows + r] = w[r * cols + c]}, the layout of the opt-in
   * Vector API kernels ({@link VectorBackend}).
   */
  public static void transposeFlat(float[] w, int rows, int cols, float[] out) {
    transposeFlatRows(w, rows, cols, out, 0, rows, 0);
  }

  /**
   * {@link #transposeFlat(float[], int, int, float[])} from index {@code base} of {@code out}: {@code out[base + c *
   * rows + r] = w[r * cols + c]}.
   */
  public static void transposeFlat(float[] w, int rows, int cols, float[] out, int base) {
    transposeFlatRows(w, rows, cols, out, 0, rows, base);
  }

  /**
   * The part of {@link #transposeFlat} that comes from the weight's rows {@code [from, to)}, for the same reasons as
   * {@link #transposeRows}. Eight weight rows at a time, walked together column by column: each column's eight
   * values go to eight consecutive floats of its output row. (In 8-column strips, each weight row's eight values
   * stored to eight output rows 4 KB apart in a 256 x 784 weight's transpose, 189 against 86 µs, scratch harness.)
   * Each range starts at another column, in proportion to where it starts among the weight's rows, and wraps around.
   */
  public static void transposeFlatRows(float[] w, int rows, int cols, float[] out, int from, int to) {
    transposeFlatRows(w, rows, cols, out, from, to, 0);
  }

  /** {@link #transposeFlatRows(float[], int, int, float[], int, int)} from index {@code base} of {@code out}. */
  public static void transposeFlatRows(float[] w, int rows, int cols, float[] out, int from, int to, int base) {
    checkRange(rows, from, to);
    if (from == to) {
      return;
    }
    int first = (int) ((long) cols * from / rows);
    int r = from;
    for (; r + 8 <= to; r += 8) {
      transposeEightRows(w, rows, cols, out, base, r, first, cols);
      transposeEightRows(w, rows, cols, out, base, r, 0, first);
    }
    for (; r < to; r++) {
      for (int c = 0, b = r * cols; c < cols; c++) {
        out[base + c * rows + r] = w[b + c];
      }
    }
  }

  /** Weight rows {@code r..r+7}, columns {@code [c0, c1)}, into the flat transpose. */
  private static void transposeEightRows(float[] w, int rows, int cols, float[] out, int base, int r, int c0,
      int c1) {
    for (int c = c0; c < c1; c++) {
      int o = base + c * rows + r;
      int b = r * cols + c;
      out[o] = w[b];
      out[o + 1] = w[b + cols];
      out[o + 2] = w[b + 2 * cols];
      out[o + 3] = w[b + 3 * cols];
      out[o + 4] = w[b + 4 * cols];
      out[o + 5] = w[b + 5 * cols];
      out[o + 6] = w[b + 6 * cols];
      out[o + 7] = w[b + 7 * cols];
    }
  }

  private static void checkRange(int rows, int from, int to) {
    if (from < 0 || from > to || to > rows) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside 0.." + rows);
    }
  }
}
