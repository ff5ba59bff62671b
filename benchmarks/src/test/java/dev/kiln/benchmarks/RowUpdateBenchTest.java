package dev.kiln.benchmarks;

import static dev.kiln.runtime.kernel.MultiplyAdd.madd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RowUpdateBench} times the loops it names: each operation adds every weight row's products into the
 * accumulator rows, over the row length it claims (which is what its multiply-add counts, and so the report's
 * picoseconds per multiply-add, rest on), and nothing past it.
 */
class RowUpdateBenchTest {
  private static RowUpdateBench bench(int shift) {
    RowUpdateBench b = new RowUpdateBench();
    b.shift = shift;
    b.setUp();
    return b;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 16})
  void eightIntoOneAddsEveryWeightRowOnceOverItsLength(int shift) {
    RowUpdateBench b = bench(shift);
    check(b.acc, b.weights, 256, b.coefficients, false, b::eightIntoOne256);
    check(b.shortAcc, b.shortWeights, 100, b.coefficients, false, b::eightIntoOne100);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 16})
  void twoIntoFourAddsEveryWeightRowOnceOverItsLength(int shift) {
    RowUpdateBench b = bench(shift);
    check(b.acc, b.weights, 256, b.coefficients, true, b::twoIntoFour256);
    check(b.shortAcc, b.shortWeights, 100, b.coefficients, true, b::twoIntoFour100);
  }

  @Test
  void refusesAShiftThatIsNotAPlaceInACacheLine() {
    assertThrows(IllegalArgumentException.class, () -> bench(12));
    assertThrows(IllegalArgumentException.class, () -> bench(64));
    assertThrows(IllegalArgumentException.class, () -> bench(-8));
  }

  /**
   * Runs {@code op} once from accumulators filled with known values and compares each with the same multiply-adds
   * made here in the loop's order: eight rows a pass into row 0, or two rows a pass into rows 0 to 3.
   */
  private static void check(float[][] acc, float[][] weights, int length, float[] v, boolean fourAccumulators,
      Supplier<Float> op) {
    int accumulators = fourAccumulators ? 4 : 1;
    float[][] expected = new float[4][];
    for (int a = 0; a < 4; a++) {
      for (int i = 0; i < acc[a].length; i++) {
        acc[a][i] = 0.25f * a + 0.001f * i;
      }
      expected[a] = acc[a].clone();
    }
    for (int a = 0; a < accumulators; a++) {
      for (int i = 0; i < length; i++) {
        float s = expected[a][i];
        if (fourAccumulators) {
          for (int k = 0; k < weights.length; k += 2) {
            s = madd(v[2 * a + 1], weights[k + 1][i], madd(v[2 * a], weights[k][i], s));
          }
        } else {
          for (int k = 0; k < weights.length; k++) {
            s = madd(v[k % 8], weights[k][i], s);
          }
        }
        expected[a][i] = s;
      }
    }
    op.get();
    for (int a = 0; a < 4; a++) {
      for (int i = 0; i < acc[a].length; i++) {
        assertEquals(Float.floatToRawIntBits(expected[a][i]), Float.floatToRawIntBits(acc[a][i]),
            "accumulator " + a + " at " + i + " (loop length " + length + ")");
      }
    }
  }
}
