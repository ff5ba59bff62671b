package dev.kiln.runtime.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 2x2 max pool moved by 2 that a convolution runs on its own output (see {@code ConvCode}'s fused pool), on the
 * Vector API: many windows at once.
 *
 * <p>The generated scalar loops spend about 4 ns a window in training (LeNet-5's first convolution: 300 µs of its
 * training step at batch 64): three {@code Math.max}, three comparisons and the winner's index, all scalar, since C2
 * does not vectorise loads two floats apart. Here the same operations run on many windows at once:
 * <ul>
 *   <li>Rows of at least half a vector of windows (eight with AVX-512, four with AVX2; LeNet-5's first pool has
 *       fourteen): a chunk of half a vector of windows takes one plain load per row of the plane, split into its
 *       even and odd floats by a permutation within the vector. The results fill the lower half of a vector, which
 *       is stored whole: its upper half lands on windows that a later chunk writes over (the last chunk of a row is
 *       moved back to end at the row's last window, and the next row follows). The plane's last vector of windows
 *       is gathered instead, so nothing is written past the plane.
 *   <li>Narrower rows (LeNet-5's second pool, five windows): each tap gathered through the table of window starts,
 *       a vector of windows at a time.
 * </ul>
 * On this round's Zen 5 host (whose gathers are microcoded) the chunks take about a third of the gathers' time
 * (LeNet-5's first pool at batch 64, scratch harness). Every vector here is of the preferred species, as in the other
 * kernels: a chunk of half-width vectors, tried first, ran as fast alone, but next to the full-width kernels C2 left
 * its vectors as objects (400 KB allocated per LeNet-5 image), and JDK 17's permutation across two vectors ({@code
 * rearrange(shuffle, v)}) took 2.8-4.8 ns a window.
 *
 * <p>The results are the same bits as the scalar rule's: {@code max} is {@code Math.max} lane by lane, in the same
 * order ({@code max(max(v0, v1), max(v2, v3))}), the winner is the first tap equal to the maximum by a float
 * comparison, as in {@code PoolCode.twoByTwoWinner}; windows whose maximum is NaN (the rule there is the last NaN)
 * go through the scalar rule instead.
 *
 * <p>As in {@link VectorDense}, no vector leaves the method that makes it.
 */
final class VectorPool {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final int LANES = FLOATS.length();
  /** Windows per chunk: half a vector, so that a chunk's taps in one row of the plane are one vector. */
  private static final int CHUNK = LANES / 2;
  /** Lane i takes lane 2i, or 2i + 1, of a row's vector (modulo its length): the even or the odd taps. */
  private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(FLOATS, i -> 2 * i % LANES);
  private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(FLOATS, i -> (2 * i + 1) % LANES);
  /**
   * 2i in lane i: where window i of a chunk starts, from the chunk's first (the upper half repeats the lower). An
   * array, loaded where it is used: a static vector held across calls was an object C2 boxed on every use.
   */
  private static final int[] WINDOW_STEPS = windowSteps();

  private VectorPool() {}

  private static int[] windowSteps() {
    int[] steps = new int[LANES];
    for (int i = 0; i < LANES; i++) {
      steps[i] = 2 * (i % CHUNK);
    }
    return steps;
  }

  /** See {@link VectorBackend#maxPool2x2}. */
  static void maxPool(float[] s, int so, int width, int[] starts, float[] pooled, int po) {
    int plane = starts.length;
    int rows = starts[plane - 1] / (2 * width) + 1;
    int perRow = plane / rows;
    if (perRow >= CHUNK && plane >= LANES) {
      chunkMaxima(s, so, width, starts, pooled, po, rows, perRow);
      gatherMaxima(s, so, width, starts, pooled, po, plane - LANES);
    } else {
      gatherMaxima(s, so, width, starts, pooled, po, 0);
    }
  }

  /**
   * {@link #maxPool} in chunks of half a vector of windows, row by row, up to the plane's last vector of windows.
   */
  private static void chunkMaxima(float[] s, int so, int width, int[] starts, float[] pooled, int po, int rows,
      int perRow) {
    int lastFirst = starts.length - LANES; // the plane's last vector of windows, which the gathers make
    for (int r = 0; r < rows; r++) {
      int c0 = so + 2 * r * width;
      int pr = po + r * perRow;
      for (int j = 0; ; j += CHUNK) {
        j = Math.min(j, perRow - CHUNK);
        if (r * perRow + j > lastFirst) {
          break; // the rest is in the last vector, and a whole vector stored here would end past the plane
        }
        int c = c0 + 2 * j;
        FloatVector top = FloatVector.fromArray(FLOATS, s, c);
        FloatVector bottom = FloatVector.fromArray(FLOATS, s, c + width);
        FloatVector v0 = top.rearrange(EVEN);
        FloatVector v1 = top.rearrange(ODD);
        FloatVector v2 = bottom.rearrange(EVEN);
        FloatVector v3 = bottom.rearrange(ODD);
        v0.max(v1).max(v2.max(v3)).intoArray(pooled, pr + j);
        if (j + CHUNK >= perRow) {
          break;
        }
      }
    }
  }

  /**
   * {@link #maxPool} gathering, from window {@code i} to the end of the plane, a vector of windows at a time; the
   * last vector moves back to end at the plane's last window (those it computes again come out the same), so only a
   * plane smaller than a vector goes through scalar code.
   */
  private static void gatherMaxima(float[] s, int so, int width, int[] starts, float[] pooled, int po, int i) {
    int plane = starts.length;
    for (; i < plane && plane >= LANES; i += LANES) {
      i = Math.min(i, plane - LANES);
      FloatVector v0 = FloatVector.fromArray(FLOATS, s, so, starts, i);
      FloatVector v1 = FloatVector.fromArray(FLOATS, s, so + 1, starts, i);
      FloatVector v2 = FloatVector.fromArray(FLOATS, s, so + width, starts, i);
      FloatVector v3 = FloatVector.fromArray(FLOATS, s, so + width + 1, starts, i);
      v0.max(v1).max(v2.max(v3)).intoArray(pooled, po + i);
    }
    for (; i < plane; i++) {
      int c0 = so + starts[i];
      int c1 = c0 + width;
      pooled[po + i] = Math.max(Math.max(s[c0], s[c0 + 1]), Math.max(s[c1], s[c1 + 1]));
    }
  }

  /** See {@link VectorBackend#maxPool2x2Winners}. */
  static void maxPoolWinners(float[] s, int so, int width, int[] starts, float[] pooled, int[] arg, int po,
      int yo) {
    int plane = starts.length;
    int rows = starts[plane - 1] / (2 * width) + 1;
    int perRow = plane / rows;
    if (perRow >= CHUNK && plane >= LANES) {
      chunkWinners(s, so, width, starts, pooled, arg, po, yo, rows, perRow);
      gatherWinners(s, so, width, starts, pooled, arg, po, yo, plane - LANES);
    } else {
      gatherWinners(s, so, width, starts, pooled, arg, po, yo, 0);
    }
  }

  /**
   * {@link #maxPoolWinners} in chunks of half a vector of windows, row by row, up to the plane's last vector of
   * windows. A method of its own, as is the gathering one: together they made a method that C2 did not compile whole,
   * and the gathers, left to the library's Java code, allocated.
   */
  private static void chunkWinners(float[] s, int so, int width, int[] starts, float[] pooled, int[] arg,
      int po, int yo, int rows, int perRow) {
    int lastFirst = starts.length - LANES; // the plane's last vector of windows, which the gathers make
    for (int r = 0; r < rows; r++) {
      int c0 = so + 2 * r * width;
      int pr = po + r * perRow;
      for (int j = 0; ; j += CHUNK) {
        j = Math.min(j, perRow - CHUNK);
        if (r * perRow + j > lastFirst) {
          break; // the rest is in the last vector, and a whole vector stored here would end past the plane
        }
        int c = c0 + 2 * j;
        FloatVector top = FloatVector.fromArray(FLOATS, s, c);
        FloatVector bottom = FloatVector.fromArray(FLOATS, s, c + width);
        FloatVector v0 = top.rearrange(EVEN);
        FloatVector v1 = top.rearrange(ODD);
        FloatVector v2 = bottom.rearrange(EVEN);
        FloatVector v3 = bottom.rearrange(ODD);
        FloatVector best = v0.max(v1).max(v2.max(v3));
        if (best.test(VectorOperators.IS_NAN).anyTrue()) {
          scalarWinners(s, so, width, starts, pooled, arg, po, yo, r * perRow + j, r * perRow + j + CHUNK);
        } else {
          // The first tap equal to the maximum, as in gatherWinners.
          VectorMask<Integer> at2 = v2.eq(best).cast(INTS);
          VectorMask<Integer> at1 = v1.eq(best).cast(INTS);
          VectorMask<Integer> at0 = v0.eq(best).cast(INTS);
          IntVector offset = IntVector.broadcast(INTS, width + 1).blend(width, at2).blend(1, at1).blend(0, at0);
          best.intoArray(pooled, pr + j);
          IntVector.fromArray(INTS, WINDOW_STEPS, 0).add(offset).add(c - so + yo).intoArray(arg, pr + j);
        }
        if (j + CHUNK >= perRow) {
          break;
        }
      }
    }
  }

  /** {@link #maxPoolWinners} gathering, from window {@code i} to the end of the plane, as {@link #gatherMaxima}. */
  private static void gatherWinners(float[] s, int so, int width, int[] starts, float[] pooled, int[] arg,
      int po, int yo, int i) {
    int plane = starts.length;
    for (; i < plane && plane >= LANES; i += LANES) {
      i = Math.min(i, plane - LANES);
      FloatVector v0 = FloatVector.fromArray(FLOATS, s, so, starts, i);
      FloatVector v1 = FloatVector.fromArray(FLOATS, s, so + 1, starts, i);
      FloatVector v2 = FloatVector.fromArray(FLOATS, s, so + width, starts, i);
      FloatVector v3 = FloatVector.fromArray(FLOATS, s, so + width + 1, starts, i);
      FloatVector best = v0.max(v1).max(v2.max(v3));
      if (best.test(VectorOperators.IS_NAN).anyTrue()) {
        scalarWinners(s, so, width, starts, pooled, arg, po, yo, i, i + LANES);
        continue;
      }
      // The first tap equal to the maximum: v0 (offset 0), else v1 (1), else v2 (width), else v3 (width + 1); the
      // blends go from the last tap to the first, so the earliest equal tap is the one left.
      VectorMask<Integer> at2 = v2.eq(best).cast(INTS);
      VectorMask<Integer> at1 = v1.eq(best).cast(INTS);
      VectorMask<Integer> at0 = v0.eq(best).cast(INTS);
      IntVector offset = IntVector.broadcast(INTS, width + 1).blend(width, at2).blend(1, at1).blend(0, at0);
      best.intoArray(pooled, po + i);
      IntVector.fromArray(INTS, starts, i).add(offset).add(yo).intoArray(arg, po + i);
    }
    scalarWinners(s, so, width, starts, pooled, arg, po, yo, i, plane);
  }

  /** Windows {@code from..to-1} by the scalar rule of {@code PoolCode.twoByTwoWinner}. */
  private static void scalarWinners(float[] s, int so, int width, int[] starts, float[] pooled, int[] arg, int po,
      int yo, int from, int to) {
    for (int i = from; i < to; i++) {
      int c0 = so + starts[i];
      int c1 = c0 + width;
      float v0 = s[c0];
      float v1 = s[c0 + 1];
      float v2 = s[c1];
      float v3 = s[c1 + 1];
      float best = Math.max(Math.max(v0, v1), Math.max(v2, v3));
      int at;
      if (best != best) {
        at = v3 != v3 ? c1 + 1 : v2 != v2 ? c1 : v1 != v1 ? c0 + 1 : c0;
      } else {
        int e0 = v0 == best ? 1 : 0;
        int e1 = v1 == best ? 1 : 0;
        int e2 = v2 == best ? 1 : 0;
        at = c0 + (1 - e0) * (e1 + (1 - e1) * (width + 1 - e2));
      }
      pooled[po + i] = best;
      arg[po + i] = at - so + yo;
    }
  }
}
