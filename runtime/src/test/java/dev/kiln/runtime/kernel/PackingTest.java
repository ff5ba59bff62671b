package dev.kiln.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PackingTest {
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
}
