package dev.kiln.benchmarks;

import static dev.kiln.runtime.kernel.MultiplyAdd.madd;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The default build's building block timed alone: a row update as C2 (JDK 17) vectorises it, in the two loop shapes
 * the generated kernels use for their products, with every row in L1. This is the ceiling behind the default build's
 * figures in the main table: a network's products cannot run faster than these loops do on rows that never leave L1.
 *
 * <ul>
 *   <li>{@code eightIntoOne}: one accumulator row updated from eight weight rows a pass, {@code s[i] = madd(v7, r7[i],
 *       ... madd(v0, r0[i], s[i]))} (a Dense layer's single sample, a filter's sums in a convolution);
 *   <li>{@code twoIntoFour}: four accumulator rows updated from the same two weight rows a pass, {@code s0[i] =
 *       madd(a01, w1, madd(a00, w0, s0[i]))} and so on for {@code s1} to {@code s3} (a Dense layer's four samples of a
 *       batch, a block of four filters in a convolution).
 * </ul>
 *
 * Each at two row lengths, 256 floats (the MLP's first layer: one row per output) and 100 (LeNet-5's second
 * convolution at batch 1: one row per 10 x 10 output plane), with a constant loop bound as the generated code has it
 * (with a variable bound C2 leaves the eight-row loop scalar). One operation is one pass of each accumulator row over
 * all {@value #WEIGHT_ROWS} weight rows: {@code WEIGHT_ROWS * length} multiply-adds for {@code eightIntoOne}, four
 * times that for {@code twoIntoFour}; {@code benchmarks/report.py} turns the times into picoseconds per
 * multiply-add.
 *
 * <p>{@code shift}: how many bytes past the weight rows' place in a 64-byte cache line the accumulator rows start. C2
 * runs a vectorised loop's first iterations scalar until one of its arrays reaches an alignment boundary; every other
 * row is then as far from a boundary as it is from that one, and a row on another place in the line has its vector
 * loads span two lines (every one with 64-byte vectors, every other one with 32-byte vectors). Plain Java cannot
 * choose where an array lies. This benchmark arranges
 * it the only way plain Java can: every row here is a whole number of cache lines long (as the workspaces' rows are,
 * {@code Packing.rows}), so rows allocated one after another keep one place; the accumulator rows are allocated
 * first, then {@code shift} bytes of filler, then the weight rows. That holds while the allocations come from one
 * thread-local allocation buffer, which is the rule but not certain (a new buffer starts wherever the heap's free
 * space does), so read a {@code shift} of 0 as "almost surely the same place". In Kiln the accumulators belong to a
 * workspace and a Dense layer's weight rows to the model, allocated at different times, so their relative place is
 * the JVM's choice.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RowUpdateBench {
  /** Weight rows each operation passes over: 16 rows of 256 floats, 16 KiB, with four accumulator rows in L1. */
  static final int WEIGHT_ROWS = 16;
  /** Floats per row allocated: 268 (and 108 for the short rows) with the 16-byte array header make whole lines. */
  private static final int LONG_ROW = 268;
  private static final int SHORT_ROW = 108;

  @Param({"0", "16"})
  public int shift;

  float[][] acc;
  float[][] weights;
  float[][] shortAcc;
  float[][] shortWeights;
  /** Coefficients: about 1e-3, with alternating signs, so that the sums grow slowly and stay far from overflow. */
  float[] coefficients;
  /** Keeps the filler alive, so that no later allocation lands in its place before the rows are used. */
  Object filler;

  @Setup(Level.Trial)
  public void setUp() {
    if (shift < 0 || shift % 8 != 0 || shift >= 64) {
      throw new IllegalArgumentException("shift must be 0, 8, ..., 56 bytes: " + shift);
    }
    SplittableRandom random = new SplittableRandom(20_241_206L);
    coefficients = new float[8];
    for (int i = 0; i < 8; i++) {
      coefficients[i] = (i % 2 == 0 ? 1 : -1) * (1e-3f + 1e-4f * i);
    }
    // The matrices' outer arrays first, so that only rows and the filler lie between the rows.
    acc = new float[4][];
    weights = new float[WEIGHT_ROWS][];
    shortAcc = new float[4][];
    shortWeights = new float[WEIGHT_ROWS][];
    for (int i = 0; i < 4; i++) {
      acc[i] = new float[LONG_ROW];
    }
    for (int i = 0; i < 4; i++) {
      shortAcc[i] = new float[SHORT_ROW];
    }
    filler = shift == 0 ? null : filler(shift);
    for (int i = 0; i < WEIGHT_ROWS; i++) {
      weights[i] = randomRow(LONG_ROW, random);
    }
    for (int i = 0; i < WEIGHT_ROWS; i++) {
      shortWeights[i] = randomRow(SHORT_ROW, random);
    }
  }

  /**
   * An object that takes {@code bytes} (mod 64) of the heap with compressed class pointers, the 64-bit HotSpot
   * default: a byte array's 16-byte header and its length rounded up to 8. Two lines more where one object cannot be
   * that small.
   */
  static Object filler(int bytes) {
    int size = bytes < 16 ? bytes + 64 : bytes;
    return new byte[size - 16];
  }

  private static float[] randomRow(int length, SplittableRandom random) {
    float[] row = new float[length];
    for (int i = 0; i < length; i++) {
      row[i] = (float) random.nextDouble() - 0.5f;
    }
    return row;
  }

  @Benchmark
  public float eightIntoOne256() {
    float[] v = coefficients;
    float[] s = acc[0];
    for (int k = 0; k < WEIGHT_ROWS; k += 8) {
      float[] r0 = weights[k], r1 = weights[k + 1], r2 = weights[k + 2], r3 = weights[k + 3];
      float[] r4 = weights[k + 4], r5 = weights[k + 5], r6 = weights[k + 6], r7 = weights[k + 7];
      eightIntoOne256(s, r0, r1, r2, r3, r4, r5, r6, r7, v);
    }
    return s[0];
  }

  @Benchmark
  public float twoIntoFour256() {
    float[] v = coefficients;
    for (int k = 0; k < WEIGHT_ROWS; k += 2) {
      twoIntoFour256(acc[0], acc[1], acc[2], acc[3], weights[k], weights[k + 1], v);
    }
    return acc[0][0];
  }

  @Benchmark
  public float eightIntoOne100() {
    float[] v = coefficients;
    float[] s = shortAcc[0];
    for (int k = 0; k < WEIGHT_ROWS; k += 8) {
      float[] r0 = shortWeights[k], r1 = shortWeights[k + 1], r2 = shortWeights[k + 2], r3 = shortWeights[k + 3];
      float[] r4 = shortWeights[k + 4], r5 = shortWeights[k + 5], r6 = shortWeights[k + 6], r7 = shortWeights[k + 7];
      eightIntoOne100(s, r0, r1, r2, r3, r4, r5, r6, r7, v);
    }
    return s[0];
  }

  @Benchmark
  public float twoIntoFour100() {
    float[] v = coefficients;
    for (int k = 0; k < WEIGHT_ROWS; k += 2) {
      twoIntoFour100(shortAcc[0], shortAcc[1], shortAcc[2], shortAcc[3], shortWeights[k], shortWeights[k + 1], v);
    }
    return shortAcc[0][0];
  }

  // The loops as the processor generates them (see DenseCode and ConvCode), one method per constant bound.

  static void eightIntoOne256(float[] s, float[] r0, float[] r1, float[] r2, float[] r3, float[] r4, float[] r5,
      float[] r6, float[] r7, float[] v) {
    float v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3], v4 = v[4], v5 = v[5], v6 = v[6], v7 = v[7];
    for (int i = 0; i < 256; i++) {
      s[i] = madd(v7, r7[i], madd(v6, r6[i], madd(v5, r5[i], madd(v4, r4[i],
          madd(v3, r3[i], madd(v2, r2[i], madd(v1, r1[i], madd(v0, r0[i], s[i]))))))));
    }
  }

  static void eightIntoOne100(float[] s, float[] r0, float[] r1, float[] r2, float[] r3, float[] r4, float[] r5,
      float[] r6, float[] r7, float[] v) {
    float v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3], v4 = v[4], v5 = v[5], v6 = v[6], v7 = v[7];
    for (int i = 0; i < 100; i++) {
      s[i] = madd(v7, r7[i], madd(v6, r6[i], madd(v5, r5[i], madd(v4, r4[i],
          madd(v3, r3[i], madd(v2, r2[i], madd(v1, r1[i], madd(v0, r0[i], s[i]))))))));
    }
  }

  static void twoIntoFour256(float[] s0, float[] s1, float[] s2, float[] s3, float[] r0, float[] r1, float[] v) {
    float a00 = v[0], a01 = v[1], a10 = v[2], a11 = v[3], a20 = v[4], a21 = v[5], a30 = v[6], a31 = v[7];
    for (int i = 0; i < 256; i++) {
      float w0 = r0[i], w1 = r1[i];
      s0[i] = madd(a01, w1, madd(a00, w0, s0[i]));
      s1[i] = madd(a11, w1, madd(a10, w0, s1[i]));
      s2[i] = madd(a21, w1, madd(a20, w0, s2[i]));
      s3[i] = madd(a31, w1, madd(a30, w0, s3[i]));
    }
  }

  static void twoIntoFour100(float[] s0, float[] s1, float[] s2, float[] s3, float[] r0, float[] r1, float[] v) {
    float a00 = v[0], a01 = v[1], a10 = v[2], a11 = v[3], a20 = v[4], a21 = v[5], a30 = v[6], a31 = v[7];
    for (int i = 0; i < 100; i++) {
      float w0 = r0[i], w1 = r1[i];
      s0[i] = madd(a01, w1, madd(a00, w0, s0[i]));
      s1[i] = madd(a11, w1, madd(a10, w0, s1[i]));
      s2[i] = madd(a21, w1, madd(a20, w0, s2[i]));
      s3[i] = madd(a31, w1, madd(a30, w0, s3[i]));
    }
  }
}
