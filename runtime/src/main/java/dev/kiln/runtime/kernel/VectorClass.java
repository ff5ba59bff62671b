package dev.kiln.runtime.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

/**
 * The class of the preferred float species' vectors ({@code Float512Vector} on AVX-512), for the Vector API kernels to
 * cast a vector to before they call a method on it: {@code EXACT.cast(m).max(floor)}, {@code
 * EXACT.cast(v).intoArray(out, o)}.
 *
 * <p>Why: a vector operation's method is virtual ({@code FloatVector} is abstract), and C2 (JDK 17) delays inlining the
 * vector operations of a large method ("late inline"), so at the time it parses a call such as {@code
 * a0.max(a1).max(...)}, the receiver is the result of a call not yet inlined and of no exact class. C2 then inlines the
 * callee under a guard on the type profile of the JDK's own call site, which every caller in the JVM shares. Where that
 * site's history makes C2 give the guard a real virtual call as its other branch instead of a trap, the vector's
 * species is no longer a constant after the merge: the store's intrinsic fails ({@code missing constant:
 * vclass=DecodeN} under {@code -XX:+PrintIntrinsics}) and the vector is boxed, 96 bytes per store. That is what the
 * allocation probe caught in about a third of its JVMs on LeNet-5's batch-1 path (the last three of the five pooled
 * stores of {@link VectorPooledConv}'s five-window block, 1,440 bytes a call; traced with JFR's allocation samples and
 * {@code -XX:+PrintInlining}). {@link Class#cast} on a constant class is an intrinsic, inlined whatever the method's
 * size, and its result has the exact (final) class: the call after it binds statically, with no profile and no guard,
 * and once the operation before it is inlined the check folds away.
 *
 * <p>Every vector a kernel calls a method on is cast, those it loads or broadcasts too ({@code
 * EXACT.cast(FloatVector.fromArray(...))}): C2 usually knows their class from the load's intrinsic, but not always,
 * and with the JDK's {@code fma} site's profile naming another shape too, the dense weight gradient's block of 24
 * accumulators boxed its loaded vectors in 3 of 12 JVMs run beside a busy core ({@code VectorKernelsAllocationTest}'s
 * child JVM; 107 KB a call), LeNet-5's batch-in-lanes block of six in one more, run with JFR (1 MB a call), and none
 * did in 20 with the casts.
 * The same holds for int vectors and for masks, whose methods are virtual too: the pool's winners ({@link
 * VectorPool#maxPoolWinners}) compare floats into masks, cast those to int masks and blend int vectors, and until
 * every one of those receivers was cast, one 512-bit vector a block was boxed (96 bytes) in 1 of 8 such JVMs, 0 of
 * 48 after.
 *
 * <p>The results of the fused multiply-adds, the accumulators a loop carries into its next iteration as an argument
 * rather than a receiver, are not cast. Casting them all (tried in a later session, after one of {@code
 * VectorKernelsAllocationTest}'s child JVMs, in one of four fresh-clone CI runs of two each, left the one-sample dense
 * forward pass and the six-by-four weight gradient allocating) changed nothing in 40 of that test's child JVMs but
 * made {@code ParallelInferenceTest}'s Vector API run allocate 11 MB a pair of calls on the caller, in two runs of
 * two (not traced; likely a cast of the result of an operation not yet inlined needs its class, which only a box
 * has).
 */
final class VectorClass {
  /** {@code FloatVector.SPECIES_PREFERRED.vectorType()}, typed so that {@code cast} returns a {@code FloatVector}. */
  @SuppressWarnings("unchecked")
  static final Class<FloatVector> EXACT = (Class<FloatVector>) (Class<?>) FloatVector.SPECIES_PREFERRED.vectorType();

  /** {@code IntVector.SPECIES_PREFERRED.vectorType()}, the int vectors of as many lanes on the same machines. */
  @SuppressWarnings("unchecked")
  static final Class<IntVector> EXACT_INTS = (Class<IntVector>) (Class<?>) IntVector.SPECIES_PREFERRED.vectorType();

  /** The class of {@link #EXACT}'s masks (a final class, as the vectors' are). */
  @SuppressWarnings("unchecked")
  static final Class<VectorMask<Float>> FLOAT_MASK =
      (Class<VectorMask<Float>>) (Class<?>) FloatVector.SPECIES_PREFERRED.maskAll(true).getClass();

  /** The class of {@link #EXACT_INTS}'s masks. */
  @SuppressWarnings("unchecked")
  static final Class<VectorMask<Integer>> INT_MASK =
      (Class<VectorMask<Integer>>) (Class<?>) IntVector.SPECIES_PREFERRED.maskAll(true).getClass();

  private VectorClass() {}
}
