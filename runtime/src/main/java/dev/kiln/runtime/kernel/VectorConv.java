package dev.kiln.runtime.kernel;

import static dev.kiln.runtime.kernel.VectorClass.EXACT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A convolution's forward product on the Vector API, register-blocked: for a block of filters, {@code
 * sums[f][p] = bias[f] + sum over k of w[f][k] * cols[k][p]}, with {@code cols} the layer's im2col columns (one row
 * per kernel tap, the positions of a few samples side by side). Four filters by two vectors of positions (on AVX2,
 * 4 x 16) stay in eight registers while the taps stream past: each column vector is loaded once for four fused
 * multiply-adds, each weight once per two. Where blocks of six filters divide the filters better, six by two in
 * twelve registers ({@link #blockRows}); with AVX-512's 32 registers, six filters by four vectors or eight by three,
 * 24 accumulators, where they compute fewer products ({@link #blockShape}).
 *
 * <p>No remainder kernels: when the filters or positions do not divide into blocks, the last block is moved back
 * to end at the last filter or position, so that it overlaps the one before. The overlapped sums are computed twice,
 * in the same order, so they come out bit-identical and the second store changes nothing. Fewer than four filters
 * or two vectors of positions take the one-filter, one-vector kernel, and fewer positions than a vector the scalar
 * loop.
 *
 * <p>As in {@link VectorDense}, each block is a small method, so that C2 compiles it whole (the Vector API is only
 * fast in C2-compiled code).
 */
final class VectorConv {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  /** Filters per block. */
  private static final int ROWS = 4;
  /** Filters per block where those divide the filters better (see {@link #blockRows}). */
  private static final int WIDE_ROWS = 6;

  private VectorConv() {}

  /**
   * Filters {@code f0..f0+filters-1}: {@code sums[f - f0][p] = b[f] + sum over k < taps of w[f * taps + k] *
   * cols[k][p]} for {@code p < len}; {@code b} null for no bias.
   */
  static void forward(float[] w, float[] b, float[][] cols, float[][] sums, int f0, int filters, int len, int taps) {
    if (filters >= ROWS && len >= 2 * LANES) {
      int shape = blockShape(filters, len);
      int rows = shape / 10;
      int width = shape % 10 * LANES;
      for (int p = 0; ; p += width) {
        int pb = Math.min(p, len - width);
        for (int f = 0; ; f += rows) {
          int fb = Math.min(f, filters - rows);
          switch (shape) {
            case EIGHT_BY_THREE:
              eightByThree(w, b, cols, sums, f0, fb, pb, taps);
              break;
            case SIX_BY_FOUR:
              sixByFour(w, b, cols, sums, f0, fb, pb, taps);
              break;
            case SIX_BY_TWO:
              sixByTwo(w, b, cols, sums, f0, fb, pb, taps);
              break;
            default:
              fourByTwo(w, b, cols, sums, f0, fb, pb, taps);
          }
          if (f + rows >= filters) {
            break;
          }
        }
        if (p + width >= len) {
          break;
        }
      }
    } else if (len >= LANES) {
      for (int f = 0; f < filters; f++) {
        for (int p = 0; ; p += LANES) {
          oneByOne(w, b, cols, sums[f], f0 + f, Math.min(p, len - LANES), taps);
          if (p + LANES >= len) {
            break;
          }
        }
      }
    } else {
      for (int f = 0; f < filters; f++) {
        float[] s = sums[f];
        int wf = (f0 + f) * taps;
        for (int p = 0; p < len; p++) {
          float sum = b == null ? 0f : b[f0 + f];
          for (int k = 0; k < taps; k++) {
            sum = Math.fma(w[wf + k], cols[k][p], sum);
          }
          s[p] = sum;
        }
      }
    }
  }

  /**
   * Filters per block for a block of {@code filters} (at least {@link #ROWS}): six where blocks of six compute fewer
   * rows than blocks of four, the last block moved back included (six filters: one block of six against two blocks
   * of four that overlap by two, a third of the products done twice; LeNet-5's first convolution's product at batch
   * 64 in its training step, 262-269 -> 184-193 µs, scratch harness), else four.
   */
  static int blockRows(int filters) {
    int four = (filters + ROWS - 1) / ROWS * ROWS;
    int six = (filters + WIDE_ROWS - 1) / WIDE_ROWS * WIDE_ROWS;
    return filters >= WIDE_ROWS && six < four ? WIDE_ROWS : ROWS;
  }

  /** Block shapes, as filters times ten plus vectors of positions. */
  static final int FOUR_BY_TWO = 42;
  static final int SIX_BY_TWO = 62;
  static final int SIX_BY_FOUR = 64;
  static final int EIGHT_BY_THREE = 83;

  /**
   * Whether the registers hold blocks of 24 accumulators: the dense kernels' rule ({@link VectorDense#WIDE_BLOCKS}),
   * on the same vectors.
   */
  static final boolean WIDE_BLOCKS = VectorDense.WIDE_BLOCKS;

  /**
   * The forward block for {@code filters} filters (at least {@link #ROWS}) over {@code len} positions (at least two
   * vectors). Where the registers hold them ({@link #WIDE_BLOCKS}), the shape that computes the fewest products,
   * overlapping blocks included, with the blocks of eight or twelve accumulators counted at 10/9 (they ran about 10%
   * slower per product): on this round's AMD Zen 5 host, LeNet-5's first convolution at batch 64 (6 filters, 784
   * positions, 25 taps) took 116-118 us as six by two and 109-110 us as six by four, its second (16 filters, 400
   * positions, 150 taps) 196-197 us as four by two and 176-178 us as eight by three (scratch harness, medians). Else
   * {@link #blockRows}.
   */
  static int blockShape(int filters, int len) {
    int narrow = blockRows(filters) == WIDE_ROWS ? SIX_BY_TWO : FOUR_BY_TWO;
    if (!WIDE_BLOCKS) {
      return narrow;
    }
    int shape = narrow;
    long best = products(filters, len, narrow) * 10 / 9;
    if (filters >= WIDE_ROWS && len >= 4 * LANES && products(filters, len, SIX_BY_FOUR) <= best) {
      shape = SIX_BY_FOUR;
      best = products(filters, len, SIX_BY_FOUR);
    }
    if (filters >= 8 && len >= 3 * LANES && products(filters, len, EIGHT_BY_THREE) < best) {
      shape = EIGHT_BY_THREE;
    }
    return shape;
  }

  /** The products blocks of {@code shape} compute over the filters and positions, overlapping blocks included. */
  private static long products(int filters, int len, int shape) {
    return VectorDense.products(filters, len, shape / 10, shape % 10);
  }

  private static FloatVector start(float[] b, int f) {
    return EXACT.cast(FloatVector.broadcast(SPECIES, b == null ? 0f : b[f]));
  }

  /** Filters f0+f..f0+f+3 (block rows f..f+3), positions p..p+2*LANES-1. */
  private static void fourByTwo(float[] w, float[] b, float[][] cols, float[][] sums, int f0, int f, int p,
      int taps) {
    FloatVector a0 = start(b, f0 + f);
    FloatVector a1 = a0;
    FloatVector b0 = start(b, f0 + f + 1);
    FloatVector b1 = b0;
    FloatVector c0 = start(b, f0 + f + 2);
    FloatVector c1 = c0;
    FloatVector d0 = start(b, f0 + f + 3);
    FloatVector d1 = d0;
    int w0 = (f0 + f) * taps;
    for (int k = 0; k < taps; k++) {
      float[] col = cols[k];
      FloatVector lo = EXACT.cast(FloatVector.fromArray(SPECIES, col, p));
      FloatVector hi = EXACT.cast(FloatVector.fromArray(SPECIES, col, p + LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + k]));
      a0 = lo.fma(v, a0);
      a1 = hi.fma(v, a1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + taps + k]));
      b0 = lo.fma(v, b0);
      b1 = hi.fma(v, b1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 2 * taps + k]));
      c0 = lo.fma(v, c0);
      c1 = hi.fma(v, c1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 3 * taps + k]));
      d0 = lo.fma(v, d0);
      d1 = hi.fma(v, d1);
    }
    EXACT.cast(a0).intoArray(sums[f], p);
    EXACT.cast(a1).intoArray(sums[f], p + LANES);
    EXACT.cast(b0).intoArray(sums[f + 1], p);
    EXACT.cast(b1).intoArray(sums[f + 1], p + LANES);
    EXACT.cast(c0).intoArray(sums[f + 2], p);
    EXACT.cast(c1).intoArray(sums[f + 2], p + LANES);
    EXACT.cast(d0).intoArray(sums[f + 3], p);
    EXACT.cast(d1).intoArray(sums[f + 3], p + LANES);
  }

  /**
   * Filters f0+f..f0+f+5 (block rows f..f+5), positions p..p+2*LANES-1: {@link #fourByTwo} with two more filters,
   * twelve accumulators (AVX-512 and AVX2 both have sixteen or more vector registers), each column vector loaded
   * once for six fused multiply-adds. The same sums in the same order as four by two, so the same bits.
   */
  private static void sixByTwo(float[] w, float[] b, float[][] cols, float[][] sums, int f0, int f, int p,
      int taps) {
    FloatVector a0 = start(b, f0 + f);
    FloatVector a1 = a0;
    FloatVector b0 = start(b, f0 + f + 1);
    FloatVector b1 = b0;
    FloatVector c0 = start(b, f0 + f + 2);
    FloatVector c1 = c0;
    FloatVector d0 = start(b, f0 + f + 3);
    FloatVector d1 = d0;
    FloatVector e0 = start(b, f0 + f + 4);
    FloatVector e1 = e0;
    FloatVector g0 = start(b, f0 + f + 5);
    FloatVector g1 = g0;
    int w0 = (f0 + f) * taps;
    for (int k = 0; k < taps; k++) {
      float[] col = cols[k];
      FloatVector lo = EXACT.cast(FloatVector.fromArray(SPECIES, col, p));
      FloatVector hi = EXACT.cast(FloatVector.fromArray(SPECIES, col, p + LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + k]));
      a0 = lo.fma(v, a0);
      a1 = hi.fma(v, a1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + taps + k]));
      b0 = lo.fma(v, b0);
      b1 = hi.fma(v, b1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 2 * taps + k]));
      c0 = lo.fma(v, c0);
      c1 = hi.fma(v, c1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 3 * taps + k]));
      d0 = lo.fma(v, d0);
      d1 = hi.fma(v, d1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 4 * taps + k]));
      e0 = lo.fma(v, e0);
      e1 = hi.fma(v, e1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 5 * taps + k]));
      g0 = lo.fma(v, g0);
      g1 = hi.fma(v, g1);
    }
    EXACT.cast(a0).intoArray(sums[f], p);
    EXACT.cast(a1).intoArray(sums[f], p + LANES);
    EXACT.cast(b0).intoArray(sums[f + 1], p);
    EXACT.cast(b1).intoArray(sums[f + 1], p + LANES);
    EXACT.cast(c0).intoArray(sums[f + 2], p);
    EXACT.cast(c1).intoArray(sums[f + 2], p + LANES);
    EXACT.cast(d0).intoArray(sums[f + 3], p);
    EXACT.cast(d1).intoArray(sums[f + 3], p + LANES);
    EXACT.cast(e0).intoArray(sums[f + 4], p);
    EXACT.cast(e1).intoArray(sums[f + 4], p + LANES);
    EXACT.cast(g0).intoArray(sums[f + 5], p);
    EXACT.cast(g1).intoArray(sums[f + 5], p + LANES);
  }

  /** Filters f0+f..f0+f+5 (block rows f..f+5), positions p..p+4*LANES-1: 24 accumulators (see {@link #WIDE_BLOCKS}). */
  private static void sixByFour(float[] w, float[] b, float[][] cols, float[][] sums, int f0, int f, int p,
      int taps) {
    FloatVector a0 = start(b, f0 + f);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = start(b, f0 + f + 1);
    FloatVector b1 = b0, b2 = b0, b3 = b0;
    FloatVector c0 = start(b, f0 + f + 2);
    FloatVector c1 = c0, c2 = c0, c3 = c0;
    FloatVector d0 = start(b, f0 + f + 3);
    FloatVector d1 = d0, d2 = d0, d3 = d0;
    FloatVector e0 = start(b, f0 + f + 4);
    FloatVector e1 = e0, e2 = e0, e3 = e0;
    FloatVector g0 = start(b, f0 + f + 5);
    FloatVector g1 = g0, g2 = g0, g3 = g0;
    int w0 = (f0 + f) * taps;
    for (int k = 0; k < taps; k++) {
      float[] col = cols[k];
      FloatVector col0 = EXACT.cast(FloatVector.fromArray(SPECIES, col, p));
      FloatVector col1 = EXACT.cast(FloatVector.fromArray(SPECIES, col, p + LANES));
      FloatVector col2 = EXACT.cast(FloatVector.fromArray(SPECIES, col, p + 2 * LANES));
      FloatVector col3 = EXACT.cast(FloatVector.fromArray(SPECIES, col, p + 3 * LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + k]));
      a0 = col0.fma(v, a0);
      a1 = col1.fma(v, a1);
      a2 = col2.fma(v, a2);
      a3 = col3.fma(v, a3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + taps + k]));
      b0 = col0.fma(v, b0);
      b1 = col1.fma(v, b1);
      b2 = col2.fma(v, b2);
      b3 = col3.fma(v, b3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 2 * taps + k]));
      c0 = col0.fma(v, c0);
      c1 = col1.fma(v, c1);
      c2 = col2.fma(v, c2);
      c3 = col3.fma(v, c3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 3 * taps + k]));
      d0 = col0.fma(v, d0);
      d1 = col1.fma(v, d1);
      d2 = col2.fma(v, d2);
      d3 = col3.fma(v, d3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 4 * taps + k]));
      e0 = col0.fma(v, e0);
      e1 = col1.fma(v, e1);
      e2 = col2.fma(v, e2);
      e3 = col3.fma(v, e3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 5 * taps + k]));
      g0 = col0.fma(v, g0);
      g1 = col1.fma(v, g1);
      g2 = col2.fma(v, g2);
      g3 = col3.fma(v, g3);
    }
    EXACT.cast(a0).intoArray(sums[f], p);
    EXACT.cast(a1).intoArray(sums[f], p + LANES);
    EXACT.cast(a2).intoArray(sums[f], p + 2 * LANES);
    EXACT.cast(a3).intoArray(sums[f], p + 3 * LANES);
    EXACT.cast(b0).intoArray(sums[f + 1], p);
    EXACT.cast(b1).intoArray(sums[f + 1], p + LANES);
    EXACT.cast(b2).intoArray(sums[f + 1], p + 2 * LANES);
    EXACT.cast(b3).intoArray(sums[f + 1], p + 3 * LANES);
    EXACT.cast(c0).intoArray(sums[f + 2], p);
    EXACT.cast(c1).intoArray(sums[f + 2], p + LANES);
    EXACT.cast(c2).intoArray(sums[f + 2], p + 2 * LANES);
    EXACT.cast(c3).intoArray(sums[f + 2], p + 3 * LANES);
    EXACT.cast(d0).intoArray(sums[f + 3], p);
    EXACT.cast(d1).intoArray(sums[f + 3], p + LANES);
    EXACT.cast(d2).intoArray(sums[f + 3], p + 2 * LANES);
    EXACT.cast(d3).intoArray(sums[f + 3], p + 3 * LANES);
    EXACT.cast(e0).intoArray(sums[f + 4], p);
    EXACT.cast(e1).intoArray(sums[f + 4], p + LANES);
    EXACT.cast(e2).intoArray(sums[f + 4], p + 2 * LANES);
    EXACT.cast(e3).intoArray(sums[f + 4], p + 3 * LANES);
    EXACT.cast(g0).intoArray(sums[f + 5], p);
    EXACT.cast(g1).intoArray(sums[f + 5], p + LANES);
    EXACT.cast(g2).intoArray(sums[f + 5], p + 2 * LANES);
    EXACT.cast(g3).intoArray(sums[f + 5], p + 3 * LANES);
  }

  /** Filters f0+f..f0+f+7 (block rows f..f+7), positions p..p+3*LANES-1: 24 accumulators (see {@link #WIDE_BLOCKS}). */
  private static void eightByThree(float[] w, float[] b, float[][] cols, float[][] sums, int f0, int f, int p,
      int taps) {
    FloatVector a0 = start(b, f0 + f);
    FloatVector a1 = a0, a2 = a0;
    FloatVector b0 = start(b, f0 + f + 1);
    FloatVector b1 = b0, b2 = b0;
    FloatVector c0 = start(b, f0 + f + 2);
    FloatVector c1 = c0, c2 = c0;
    FloatVector d0 = start(b, f0 + f + 3);
    FloatVector d1 = d0, d2 = d0;
    FloatVector e0 = start(b, f0 + f + 4);
    FloatVector e1 = e0, e2 = e0;
    FloatVector g0 = start(b, f0 + f + 5);
    FloatVector g1 = g0, g2 = g0;
    FloatVector h0 = start(b, f0 + f + 6);
    FloatVector h1 = h0, h2 = h0;
    FloatVector i0 = start(b, f0 + f + 7);
    FloatVector i1 = i0, i2 = i0;
    int w0 = (f0 + f) * taps;
    for (int k = 0; k < taps; k++) {
      float[] col = cols[k];
      FloatVector col0 = EXACT.cast(FloatVector.fromArray(SPECIES, col, p));
      FloatVector col1 = EXACT.cast(FloatVector.fromArray(SPECIES, col, p + LANES));
      FloatVector col2 = EXACT.cast(FloatVector.fromArray(SPECIES, col, p + 2 * LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + k]));
      a0 = col0.fma(v, a0);
      a1 = col1.fma(v, a1);
      a2 = col2.fma(v, a2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + taps + k]));
      b0 = col0.fma(v, b0);
      b1 = col1.fma(v, b1);
      b2 = col2.fma(v, b2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 2 * taps + k]));
      c0 = col0.fma(v, c0);
      c1 = col1.fma(v, c1);
      c2 = col2.fma(v, c2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 3 * taps + k]));
      d0 = col0.fma(v, d0);
      d1 = col1.fma(v, d1);
      d2 = col2.fma(v, d2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 4 * taps + k]));
      e0 = col0.fma(v, e0);
      e1 = col1.fma(v, e1);
      e2 = col2.fma(v, e2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 5 * taps + k]));
      g0 = col0.fma(v, g0);
      g1 = col1.fma(v, g1);
      g2 = col2.fma(v, g2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 6 * taps + k]));
      h0 = col0.fma(v, h0);
      h1 = col1.fma(v, h1);
      h2 = col2.fma(v, h2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 7 * taps + k]));
      i0 = col0.fma(v, i0);
      i1 = col1.fma(v, i1);
      i2 = col2.fma(v, i2);
    }
    EXACT.cast(a0).intoArray(sums[f], p);
    EXACT.cast(a1).intoArray(sums[f], p + LANES);
    EXACT.cast(a2).intoArray(sums[f], p + 2 * LANES);
    EXACT.cast(b0).intoArray(sums[f + 1], p);
    EXACT.cast(b1).intoArray(sums[f + 1], p + LANES);
    EXACT.cast(b2).intoArray(sums[f + 1], p + 2 * LANES);
    EXACT.cast(c0).intoArray(sums[f + 2], p);
    EXACT.cast(c1).intoArray(sums[f + 2], p + LANES);
    EXACT.cast(c2).intoArray(sums[f + 2], p + 2 * LANES);
    EXACT.cast(d0).intoArray(sums[f + 3], p);
    EXACT.cast(d1).intoArray(sums[f + 3], p + LANES);
    EXACT.cast(d2).intoArray(sums[f + 3], p + 2 * LANES);
    EXACT.cast(e0).intoArray(sums[f + 4], p);
    EXACT.cast(e1).intoArray(sums[f + 4], p + LANES);
    EXACT.cast(e2).intoArray(sums[f + 4], p + 2 * LANES);
    EXACT.cast(g0).intoArray(sums[f + 5], p);
    EXACT.cast(g1).intoArray(sums[f + 5], p + LANES);
    EXACT.cast(g2).intoArray(sums[f + 5], p + 2 * LANES);
    EXACT.cast(h0).intoArray(sums[f + 6], p);
    EXACT.cast(h1).intoArray(sums[f + 6], p + LANES);
    EXACT.cast(h2).intoArray(sums[f + 6], p + 2 * LANES);
    EXACT.cast(i0).intoArray(sums[f + 7], p);
    EXACT.cast(i1).intoArray(sums[f + 7], p + LANES);
    EXACT.cast(i2).intoArray(sums[f + 7], p + 2 * LANES);
  }

  /** Filter f, positions p..p+LANES-1. */
  private static void oneByOne(float[] w, float[] b, float[][] cols, float[] s, int f, int p, int taps) {
    FloatVector a = start(b, f);
    int w0 = f * taps;
    for (int k = 0; k < taps; k++) {
      a = EXACT.cast(FloatVector.fromArray(SPECIES, cols[k], p))
          .fma(EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + k])), a);
    }
    EXACT.cast(a).intoArray(s, p);
  }

  // ---- Backward, on the wide grid ----
  //
  // A stride-1 convolution's output position (oh, ow) reads the source image (padded copy or input) at
  // oh * sourceWidth + ow + tap offset. Numbering the outputs by p = oh * sourceWidth + ow (the "wide grid", with
  // sourceWidth - outWidth unused positions at the end of each output row) makes every tap's inputs one contiguous
  // run of the source: src[so + taps[k] + p]. The gradient on the wide grid is zero at the unused positions, so
  // they add nothing, and no im2col or im2row copy is needed.

  /** The lanes of one weight's partial sums in the lane accumulators of {@link #weightGradient}. */
  static final int MAX_LANES = VectorBackend.LANE_SLOTS;

  /**
   * See {@link VectorBackend#convWideGradient}. No vector lives across the loops here: one that does (a running sum
   * of the copied vectors through the row and column loops) stays a boxed object that C2 allocates on every
   * iteration (about 32 KB per LeNet-5 sample); the bias gradient is summed by {@link #sum} afterwards instead.
   */
  static void wideGradient(float[] g, float[] y, int go, boolean relu, float[] wide, int filters, int outHeight,
      int outWidth, int sourceWidth, float[] gb, int f0) {
    int plane = outHeight * outWidth;
    int pw = (outHeight - 1) * sourceWidth + outWidth;
    for (int f = 0; f < filters; f++) {
      for (int oh = 0; oh < outHeight; oh++) {
        maskedRow(g, y, go + f * plane + oh * outWidth, relu, wide, f * pw + oh * sourceWidth, outWidth);
      }
      if (gb != null) {
        gb[f0 + f] += sum(wide, f * pw, pw);
      }
    }
  }

  /**
   * {@code wide[to + i] = g[from + i]} for {@code i < len}, or +0 where {@code relu} is set and {@code y[from + i]}
   * is not positive (PyTorch's ReLU gradient; NaN is not positive).
   */
  private static void maskedRow(float[] g, float[] y, int from, boolean relu, float[] wide, int to, int len) {
    int i = 0;
    for (; i + LANES <= len; i += LANES) {
      FloatVector v = EXACT.cast(FloatVector.fromArray(SPECIES, g, from + i));
      if (relu) {
        v = EXACT.cast(FloatVector.zero(SPECIES)).blend(v,
            EXACT.cast(FloatVector.fromArray(SPECIES, y, from + i)).compare(VectorOperators.GT, 0f));
      }
      EXACT.cast(v).intoArray(wide, to + i);
    }
    for (; i < len; i++) {
      float v = g[from + i];
      if (relu) {
        // As above, on the bits: a float test would branch at random here.
        int keep = -FloatBits.isPositive(Float.floatToRawIntBits(y[from + i]));
        v = Float.intBitsToFloat(Float.floatToRawIntBits(v) & keep);
      }
      wide[to + i] = v;
    }
  }

  /** {@code sum over p < len of a[ao + p]}. */
  private static float sum(float[] a, int ao, int len) {
    FloatVector acc = EXACT.cast(FloatVector.zero(SPECIES));
    int p = 0;
    for (; p + LANES <= len; p += LANES) {
      acc = EXACT.cast(acc).add(EXACT.cast(FloatVector.fromArray(SPECIES, a, ao + p)));
    }
    float sum = EXACT.cast(acc).reduceLanes(VectorOperators.ADD);
    for (; p < len; p++) {
      sum += a[ao + p];
    }
    return sum;
  }

  /**
   * Adds one sample's weight gradient, {@code sum over p < pw of wide[f * pw + p] * src[so + taps[k] + p]} for
   * filters {@code f < filters} and taps {@code k < K = taps.length}, to weight {@code (f0 + f) * K + k}: mostly
   * into its lane accumulators {@code lanes[weight * MAX_LANES ...]} (vector partial sums, reduced once per batch
   * by {@link #finishWeightGradient}: a reduction across lanes per sample would cost as much as the products), the
   * rest (taps beyond the last group of four, positions beyond the last whole vector) straight into {@code gw}.
   */
  static void weightGradient(float[] wide, int pw, float[] src, int so, int[] taps, float[] lanes, float[] gw,
      int f0, int filters) {
    int kk = taps.length;
    int f = 0;
    for (; f + 2 <= filters; f += 2) {
      int k = 0;
      for (; k + 4 <= kk; k += 4) {
        twoByFour(wide, pw, src, so, taps, lanes, gw, f0, f, k);
      }
      for (; k < kk; k++) {
        gw[(f0 + f) * kk + k] += dot(wide, f * pw, src, so + taps[k], pw);
        gw[(f0 + f + 1) * kk + k] += dot(wide, (f + 1) * pw, src, so + taps[k], pw);
      }
    }
    for (; f < filters; f++) {
      for (int k = 0; k < kk; k++) {
        gw[(f0 + f) * kk + k] += dot(wide, f * pw, src, so + taps[k], pw);
      }
    }
  }

  /** Adds the lane accumulators of weights {@code 0..count-1} into {@code gw} and clears them. */
  static void finishWeightGradient(float[] lanes, float[] gw, int count) {
    for (int i = 0; i < count; i++) {
      int at = i * MAX_LANES;
      FloatVector v = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, at));
      for (int j = LANES; j < MAX_LANES; j += LANES) {
        v = EXACT.cast(v).add(EXACT.cast(FloatVector.fromArray(SPECIES, lanes, at + j)));
      }
      gw[i] += EXACT.cast(v).reduceLanes(VectorOperators.ADD);
      java.util.Arrays.fill(lanes, at, at + MAX_LANES, 0f);
    }
  }

  /** Filters f, f+1 by taps k..k+3: eight dot products over the wide grid, each gradient vector loaded once. */
  private static void twoByFour(float[] wide, int pw, float[] src, int so, int[] taps, float[] lanes, float[] gw,
      int f0, int f, int k) {
    int kk = taps.length;
    int w0 = (f0 + f) * kk + k;
    int l0 = w0 * MAX_LANES;
    int l1 = l0 + kk * MAX_LANES;
    int g0 = f * pw;
    int g1 = g0 + pw;
    int s0 = so + taps[k];
    int s1 = so + taps[k + 1];
    int s2 = so + taps[k + 2];
    int s3 = so + taps[k + 3];
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l0));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l0 + MAX_LANES));
    FloatVector a2 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l0 + 2 * MAX_LANES));
    FloatVector a3 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l0 + 3 * MAX_LANES));
    FloatVector b0 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l1));
    FloatVector b1 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l1 + MAX_LANES));
    FloatVector b2 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l1 + 2 * MAX_LANES));
    FloatVector b3 = EXACT.cast(FloatVector.fromArray(SPECIES, lanes, l1 + 3 * MAX_LANES));
    int p = 0;
    for (; p + LANES <= pw; p += LANES) {
      FloatVector x0 = EXACT.cast(FloatVector.fromArray(SPECIES, src, s0 + p));
      FloatVector x1 = EXACT.cast(FloatVector.fromArray(SPECIES, src, s1 + p));
      FloatVector x2 = EXACT.cast(FloatVector.fromArray(SPECIES, src, s2 + p));
      FloatVector x3 = EXACT.cast(FloatVector.fromArray(SPECIES, src, s3 + p));
      FloatVector h = EXACT.cast(FloatVector.fromArray(SPECIES, wide, g0 + p));
      a0 = h.fma(x0, a0);
      a1 = h.fma(x1, a1);
      a2 = h.fma(x2, a2);
      a3 = h.fma(x3, a3);
      h = EXACT.cast(FloatVector.fromArray(SPECIES, wide, g1 + p));
      b0 = h.fma(x0, b0);
      b1 = h.fma(x1, b1);
      b2 = h.fma(x2, b2);
      b3 = h.fma(x3, b3);
    }
    EXACT.cast(a0).intoArray(lanes, l0);
    EXACT.cast(a1).intoArray(lanes, l0 + MAX_LANES);
    EXACT.cast(a2).intoArray(lanes, l0 + 2 * MAX_LANES);
    EXACT.cast(a3).intoArray(lanes, l0 + 3 * MAX_LANES);
    EXACT.cast(b0).intoArray(lanes, l1);
    EXACT.cast(b1).intoArray(lanes, l1 + MAX_LANES);
    EXACT.cast(b2).intoArray(lanes, l1 + 2 * MAX_LANES);
    EXACT.cast(b3).intoArray(lanes, l1 + 3 * MAX_LANES);
    for (; p < pw; p++) {
      float h0 = wide[g0 + p];
      float h1 = wide[g1 + p];
      gw[w0] += h0 * src[s0 + p];
      gw[w0 + 1] += h0 * src[s1 + p];
      gw[w0 + 2] += h0 * src[s2 + p];
      gw[w0 + 3] += h0 * src[s3 + p];
      gw[w0 + kk] += h1 * src[s0 + p];
      gw[w0 + kk + 1] += h1 * src[s1 + p];
      gw[w0 + kk + 2] += h1 * src[s2 + p];
      gw[w0 + kk + 3] += h1 * src[s3 + p];
    }
  }

  /** {@code sum over p < len of a[ao + p] * b[bo + p]}. */
  private static float dot(float[] a, int ao, float[] b, int bo, int len) {
    FloatVector acc = EXACT.cast(FloatVector.zero(SPECIES));
    int p = 0;
    for (; p + LANES <= len; p += LANES) {
      acc = EXACT.cast(FloatVector.fromArray(SPECIES, a, ao + p))
          .fma(EXACT.cast(FloatVector.fromArray(SPECIES, b, bo + p)), acc);
    }
    float sum = EXACT.cast(acc).reduceLanes(VectorOperators.ADD);
    for (; p < len; p++) {
      sum = Math.fma(a[ao + p], b[bo + p], sum);
    }
    return sum;
  }

  /**
   * {@code target[to + taps[k] + p] += sum over f < filters of w[(f0 + f) * K + k] * wide[f * pw + p]} for every
   * tap {@code k} and {@code p < pw}: the input gradient, scattered straight onto the source image's layout.
   */
  static void inputGradient(float[] w, int f0, int filters, int[] taps, float[] wide, int pw, float[] target,
      int to) {
    int kk = taps.length;
    int p = 0;
    for (; p + 2 * LANES <= pw; p += 2 * LANES) {
      int k = 0;
      for (; k + 4 <= kk; k += 4) {
        fourTapsTwoVectors(w, f0, filters, taps, wide, pw, target, to, k, p);
      }
      for (; k < kk; k++) {
        oneTapOneVector(w, f0, filters, taps, wide, pw, target, to, k, p);
        oneTapOneVector(w, f0, filters, taps, wide, pw, target, to, k, p + LANES);
      }
    }
    for (; p + LANES <= pw; p += LANES) {
      for (int k = 0; k < kk; k++) {
        oneTapOneVector(w, f0, filters, taps, wide, pw, target, to, k, p);
      }
    }
    for (; p < pw; p++) {
      for (int k = 0; k < kk; k++) {
        float sum = 0f;
        for (int f = 0; f < filters; f++) {
          sum = Math.fma(w[(f0 + f) * kk + k], wide[f * pw + p], sum);
        }
        target[to + taps[k] + p] += sum;
      }
    }
  }

  /** Taps k..k+3 at positions p..p+2*LANES-1, summed over the filters in eight registers. */
  private static void fourTapsTwoVectors(float[] w, int f0, int filters, int[] taps, float[] wide, int pw,
      float[] target, int to, int k, int p) {
    int kk = taps.length;
    FloatVector a0 = EXACT.cast(FloatVector.zero(SPECIES));
    FloatVector a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
    for (int f = 0, wf = f0 * kk + k, g = p; f < filters; f++, wf += kk, g += pw) {
      FloatVector lo = EXACT.cast(FloatVector.fromArray(SPECIES, wide, g));
      FloatVector hi = EXACT.cast(FloatVector.fromArray(SPECIES, wide, g + LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[wf]));
      a0 = lo.fma(v, a0);
      a1 = hi.fma(v, a1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[wf + 1]));
      b0 = lo.fma(v, b0);
      b1 = hi.fma(v, b1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[wf + 2]));
      c0 = lo.fma(v, c0);
      c1 = hi.fma(v, c1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[wf + 3]));
      d0 = lo.fma(v, d0);
      d1 = hi.fma(v, d1);
    }
    addInto(target, to + taps[k] + p, a0, a1);
    addInto(target, to + taps[k + 1] + p, b0, b1);
    addInto(target, to + taps[k + 2] + p, c0, c1);
    addInto(target, to + taps[k + 3] + p, d0, d1);
  }

  private static void addInto(float[] target, int at, FloatVector lo, FloatVector hi) {
    EXACT.cast(EXACT.cast(FloatVector.fromArray(SPECIES, target, at)).add(lo)).intoArray(target, at);
    EXACT.cast(EXACT.cast(FloatVector.fromArray(SPECIES, target, at + LANES)).add(hi)).intoArray(target, at + LANES);
  }

  /** Tap k at positions p..p+LANES-1. */
  private static void oneTapOneVector(float[] w, int f0, int filters, int[] taps, float[] wide, int pw,
      float[] target, int to, int k, int p) {
    int kk = taps.length;
    FloatVector a = EXACT.cast(FloatVector.zero(SPECIES));
    for (int f = 0, wf = f0 * kk + k, g = p; f < filters; f++, wf += kk, g += pw) {
      a = EXACT.cast(FloatVector.fromArray(SPECIES, wide, g)).fma(EXACT.cast(FloatVector.broadcast(SPECIES, w[wf])), a);
    }
    int at = to + taps[k] + p;
    EXACT.cast(EXACT.cast(FloatVector.fromArray(SPECIES, target, at)).add(a)).intoArray(target, at);
  }
}
