package dev.kiln.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PackingTest {
  /**
   * The outer array fills whole 64-byte lines (16-byte header, four bytes a slot); the rows are there, the rest null.
   */
  @Test
  void rowsPadTheOuterArrayToWholeCacheLines() {
    for (int rows : new int[] {0, 1, 12, 13, 64, 100}) {
      float[][] matrix = Packing.rows(rows, 28);
      assertEquals(0, (16 + 4 * matrix.length) % 64, "outer length for " + rows + " rows");
      assertEquals(true, matrix.length >= rows && matrix.length < rows + 16, "outer length for " + rows + " rows");
      for (int r = 0; r < matrix.length; r++) {
        if (r < rows) {
          assertEquals(28, matrix[r].length);
        } else {
          assertEquals(null, matrix[r]);
        }
      }
    }
  }

  /** Shapes around the eight-column blocking: fewer columns than a block, whole blocks, blocks with a remainder. */
  @Test
  void transposeMatchesDefinitionForBlockedAndLeftoverRows() {
    int[][] shapes = {{1, 1}, {3, 5}, {8, 8}, {9, 4}, {17, 3}, {256, 13}, {5, 16}, {7, 25}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int cols = shape[1];
      float[] w = new float[rows * cols];
      for (int i = 0; i < w.length; i++) {
        w[i] = i * 0.5f - 7f;
      }
      float[][] out = new float[cols][rows];
      Packing.transpose(w, rows, cols, out);
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          assertEquals(w[r * cols + c], out[c][r], rows + "x" + cols + " at " + r + "," + c);
        }
      }
    }
  }

  /**
   * Ranges of the weight's rows that cover it in parts, filled one after another as threads would fill them at once,
   * give the whole transpose in both layouts and write nothing that comes from rows outside their range.
   */
  @Test
  void rowRangesInPartsAddUpToTheWholeTranspose() {
    int[][] shapes = {{1, 1}, {7, 9}, {256, 13}, {10, 128}, {13, 8}, {3, 40}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int cols = shape[1];
      float[] w = distinctValues(rows * cols);
      for (int parts : new int[] {1, 2, 3, 5}) {
        float[][] out = new float[cols][rows];
        float[] flat = new float[rows * cols];
        for (int part = 0; part < parts; part++) {
          int from = rows * part / parts;
          int to = rows * (part + 1) / parts;
          Packing.transposeRows(w, rows, cols, out, from, to);
          Packing.transposeFlatRows(w, rows, cols, flat, from, to);
          // Only the weight's rows up to this part's end have reached the copies.
          for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
              float expected = r < to ? w[r * cols + c] : 0f;
              String where = rows + "x" + cols + ", part " + part + " of " + parts + ", output " + c + "," + r;
              assertEquals(expected, out[c][r], where);
              assertEquals(expected, flat[c * rows + r], where + " (flat)");
            }
          }
        }
      }
      float[][] whole = new float[cols][rows];
      Packing.transpose(w, rows, cols, whole);
      float[] wholeFlat = new float[rows * cols];
      Packing.transposeFlat(w, rows, cols, wholeFlat);
      for (int c = 0; c < cols; c++) {
        for (int r = 0; r < rows; r++) {
          assertEquals(w[r * cols + c], whole[c][r]);
          assertEquals(w[r * cols + c], wholeFlat[c * rows + r]);
        }
      }
    }
  }

  /**
   * The flat transpose from an index other than 0 (a dense layer's copy for the Vector API kernels starts at {@link
   * VectorBackend#DENSE_FLAT_BASE}), whole and in row ranges: the same values moved along, nothing written before it.
   */
  @Test
  void flatTransposeFromABaseIndexMovesTheValuesAlong() {
    int rows = 37;
    int cols = 11;
    float[] w = new float[rows * cols];
    for (int i = 0; i < w.length; i++) {
      w[i] = i * 0.5f + 2f;
    }
    float[] fromZero = new float[rows * cols];
    Packing.transposeFlat(w, rows, cols, fromZero);
    for (int base : new int[] {1, 10, 12}) {
      float[] whole = new float[base + rows * cols];
      Packing.transposeFlat(w, rows, cols, whole, base);
      float[] inParts = new float[base + rows * cols];
      Packing.transposeFlatRows(w, rows, cols, inParts, 0, 20, base);
      Packing.transposeFlatRows(w, rows, cols, inParts, 20, rows, base);
      for (int i = 0; i < base; i++) {
        assertEquals(0f, whole[i], "before the base, " + i);
        assertEquals(0f, inParts[i], "before the base, in parts, " + i);
      }
      for (int i = 0; i < rows * cols; i++) {
        assertEquals(fromZero[i], whole[base + i], "base " + base + ", " + i);
        assertEquals(fromZero[i], inParts[base + i], "base " + base + " in parts, " + i);
      }
    }
    assertEquals(VectorBackend.DENSE_FLAT_BASE + rows * cols, VectorBackend.newDenseFlat(rows, cols).length);
  }

  /**
   * A part's own copy holds the whole transpose's stretch of every row for that part's weight rows, moved to index 0,
   * and nothing past the part's length (its rows may be longer: the generated code pads them to whole cache lines).
   */
  @Test
  void aPartsOwnCopyIsItsStretchOfTheWholeTranspose() {
    int[][] shapes = {{1, 1}, {7, 9}, {256, 13}, {10, 128}, {13, 8}, {96, 30}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int cols = shape[1];
      float[] w = distinctValues(rows * cols);
      float[][] whole = new float[cols][rows];
      Packing.transpose(w, rows, cols, whole);
      for (int parts : new int[] {1, 2, 3}) {
        for (int part = 0; part < parts; part++) {
          int from = rows * part / parts;
          int to = rows * (part + 1) / parts;
          float[][] copy = new float[cols][to - from + 5];
          Packing.transposePart(w, rows, cols, copy, from, to);
          for (int c = 0; c < cols; c++) {
            String where = rows + "x" + cols + ", part " + part + " of " + parts + ", output " + c;
            for (int r = from; r < to; r++) {
              assertEquals(whole[c][r], copy[c][r - from], where + "," + r);
            }
            for (int k = to - from; k < copy[c].length; k++) {
              assertEquals(0f, copy[c][k], where + ", padding " + k);
            }
          }
        }
      }
    }
    assertThrows(IllegalArgumentException.class,
        () -> Packing.transposePart(new float[6], 2, 3, new float[3][2], 1, 3));
  }

  /**
   * With a start index, every form of the transpose writes the same values that far along each output row and
   * nothing before them or past them (the generated dense kernels read their rows from {@code AlignedArena.FIRST}).
   */
  @Test
  void aStartIndexMovesEveryRowAlong() {
    int start = AlignedArena.FIRST;
    int[][] shapes = {{1, 1}, {7, 9}, {256, 13}, {10, 128}, {13, 8}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int cols = shape[1];
      float[] w = distinctValues(rows * cols);
      float[][] plain = new float[cols][rows];
      Packing.transpose(w, rows, cols, plain);
      float[][] whole = new float[cols][start + rows + 3];
      Packing.transpose(w, rows, cols, whole, start);
      float[][] inParts = new float[cols][start + rows + 3];
      Packing.transposeRows(w, rows, cols, inParts, 0, rows / 3, start);
      Packing.transposeRows(w, rows, cols, inParts, rows / 3, rows, start);
      int from = rows / 2;
      float[][] part = new float[cols][start + rows - from + 3];
      Packing.transposePart(w, rows, cols, part, from, rows, start);
      for (int c = 0; c < cols; c++) {
        String where = rows + "x" + cols + ", output " + c;
        for (int k = 0; k < whole[c].length; k++) {
          float expected = k >= start && k < start + rows ? plain[c][k - start] : 0f;
          assertEquals(expected, whole[c][k], where + ", whole, index " + k);
          assertEquals(expected, inParts[c][k], where + ", in parts, index " + k);
        }
        for (int k = 0; k < part[c].length; k++) {
          float expected = k >= start && k < start + rows - from ? plain[c][from + k - start] : 0f;
          assertEquals(expected, part[c][k], where + ", part, index " + k);
        }
      }
    }
  }

  /** {@code n} values, each different from the others and from zero. */
  private static float[] distinctValues(int n) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = i * 0.25f + 1f;
    }
    return w;
  }

  @Test
  void rowRangeOutsideTheWeightIsRejected() {
    float[] w = new float[6];
    float[][] out = new float[3][2];
    assertThrows(IllegalArgumentException.class, () -> Packing.transposeRows(w, 2, 3, out, -1, 1));
    assertThrows(IllegalArgumentException.class, () -> Packing.transposeRows(w, 2, 3, out, 1, 3));
    assertThrows(IllegalArgumentException.class, () -> Packing.transposeFlatRows(w, 2, 3, new float[6], 2, 1));
  }

  @Test
  void anEmptyRowRangeWritesNothing() {
    float[] w = {1f, 2f};
    float[][] out = new float[2][1];
    Packing.transposeRows(w, 1, 2, out, 1, 1);
    Packing.transposeRows(new float[0], 0, 2, new float[2][0], 0, 0);
    float[] flat = new float[2];
    Packing.transposeFlatRows(w, 1, 2, flat, 0, 0);
    assertArrayEquals(new float[] {0f}, out[0]);
    assertArrayEquals(new float[] {0f, 0f}, flat);
  }
}
