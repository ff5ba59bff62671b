package dev.kiln.runtime.kernel;

import static dev.kiln.runtime.kernel.VectorClass.EXACT;
import static dev.kiln.runtime.kernel.VectorClass.EXACT_INTS;
import static dev.kiln.runtime.kernel.VectorClass.FLOAT_MASK;
import static dev.kiln.runtime.kernel.VectorClass.INT_MASK;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 2x2 max pool moved by 2 that a convolution runs on its own output (see {@code ConvCode}'s fused pool), on the
 * Vector API: a vector of windows at a time, each of its four taps gathered through the table of window starts.
 *
 * <p>The generated scalar loops spend about 4 ns a window in training (LeNet-5's first convolution: 300 µs of its
 * training step at batch 64): three {@code Math.max}, three comparisons and the winner's index, all scalar, since C2
 * does not vectorise loads two floats apart. Here the same operations run on sixteen windows at once (eight on
 * AVX2). The results are the same bits: {@code max} is {@code Math.max} lane by lane, the winner is the first tap
 * equal to the maximum by a float comparison, as in {@code PoolCode.twoByTwoWinner}; a vector whose maximum is NaN
 * anywhere (the rule there is the last NaN) goes through the scalar rule instead.
 *
 * <p>Not kept: reading each row of windows with plain loads, split into even and odd taps by a permutation within
 * the vector ({@code rearrange}). LeNet-5's first pool at batch 64 took 50 against 90 µs that way (118 -> 91 with
 * winners, scratch harness; this round's Zen 5 microcodes the gathers), but in some JVMs with two threads calling
 * the network it allocated 1,152 B per LeNet-5 image at batch 1 (JMH's GC profiler; in 7 of 14 fresh JVMs, and in
 * none of 8 with JDK 17's index checks of the shuffles off, which also drops every vector access's bounds check, so
 * it is no fix), and zero allocation is the rule here.
 *
 * <p>As in {@link VectorDense}, no vector leaves the method that makes it.
 */
final class VectorPool {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final int LANES = FLOATS.length();

  private VectorPool() {}

  /** See {@link VectorBackend#maxPool2x2}. */
  static void maxPool(float[] s, int so, int width, int[] starts, float[] pooled, int po) {
    int plane = starts.length;
    int i = 0;
    // The last vector of windows moves back to end at the plane's last window (those it computes again come out
    // the same), so only a plane smaller than a vector goes through the scalar loop.
    for (; i < plane && plane >= LANES; i += LANES) {
      i = Math.min(i, plane - LANES);
      FloatVector v0 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so, starts, i));
      FloatVector v1 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so + 1, starts, i));
      FloatVector v2 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so + width, starts, i));
      FloatVector v3 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so + width + 1, starts, i));
      EXACT.cast(EXACT.cast(v0.max(v1)).max(v2.max(v3))).intoArray(pooled, po + i);
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
    int i = 0;
    // The last vector of windows moves back to end at the plane's last window (those it computes again come out
    // the same), so only a plane smaller than a vector goes through the scalar loop.
    for (; i < plane && plane >= LANES; i += LANES) {
      i = Math.min(i, plane - LANES);
      FloatVector v0 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so, starts, i));
      FloatVector v1 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so + 1, starts, i));
      FloatVector v2 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so + width, starts, i));
      FloatVector v3 = EXACT.cast(FloatVector.fromArray(FLOATS, s, so + width + 1, starts, i));
      FloatVector best = EXACT.cast(EXACT.cast(v0.max(v1)).max(v2.max(v3)));
      if (FLOAT_MASK.cast(best.test(VectorOperators.IS_NAN)).anyTrue()) {
        scalarWinners(s, so, width, starts, pooled, arg, po, yo, i, i + LANES);
        continue;
      }
      // The first tap equal to the maximum: v0 (offset 0), else v1 (1), else v2 (width), else v3 (width + 1); the
      // blends go from the last tap to the first, so the earliest equal tap is the one left. Every receiver has its
      // exact class (VectorClass): the loads were cast where they were made; masks and int vectors are cast too.
      VectorMask<Integer> at2 = INT_MASK.cast(FLOAT_MASK.cast(v2.eq(best)).cast(INTS));
      VectorMask<Integer> at1 = INT_MASK.cast(FLOAT_MASK.cast(v1.eq(best)).cast(INTS));
      VectorMask<Integer> at0 = INT_MASK.cast(FLOAT_MASK.cast(v0.eq(best)).cast(INTS));
      IntVector farthest = EXACT_INTS.cast(IntVector.broadcast(INTS, width + 1));
      IntVector offset =
          EXACT_INTS.cast(EXACT_INTS.cast(EXACT_INTS.cast(farthest.blend(width, at2)).blend(1, at1)).blend(0, at0));
      best.intoArray(pooled, po + i);
      IntVector winners = EXACT_INTS.cast(EXACT_INTS.cast(IntVector.fromArray(INTS, starts, i)).add(offset));
      EXACT_INTS.cast(winners.add(yo)).intoArray(arg, po + i);
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
