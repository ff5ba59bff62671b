package dev.kiln.runtime.kernel;

import static dev.kiln.runtime.kernel.VectorClass.EXACT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Convolutions on images held batch-in-lanes: a group of {@link #LANES} samples side by side, sample {@code i} of the
 * group in lane {@code i} of every vector, so that the image {@code [channels][height][width]} becomes the array
 * {@code [channels][height][width][LANES]} and each pixel of all the group's samples is one vector.
 *
 * <p>Why: in that layout a kernel tap's input for an output position is one contiguous vector for every sample at
 * once, read straight from the image. The im2col kernels ({@link VectorConv}) first copy every tap's window into a
 * column row, and their fused 2x2 max pool gathers each window's taps from four places of a plane; on LeNet-5 at
 * batch 64 those copies and gathers took more time than the products. Here an output position's accumulators for a
 * block of filters stay in registers from the bias to the pool: a block of six (or four) filters over the four
 * positions of one 2x2 pool window, 24 (or 16) accumulators, max-pooled, clamped by the ReLU and stored as one vector
 * per filter. Without a pool, the four positions are four neighbours along a row, each stored.
 *
 * <p>Every lane sums its taps in PyTorch's weight order (channel, kernel row, kernel column) from the bias with
 * fused multiply-adds, as {@link VectorConv} does for one position, and pools with {@code Math.max}'s rules in the
 * same order as {@link VectorPool}, clamping after the pool (the same value: {@code max} with zero commutes with
 * the pool's maxima, NaN and signed zeros included). So a sample gets the same bits whether it went through the
 * lanes or the im2col kernels, and the batch's leftover samples (fewer than a group) take the latter.
 *
 * <p>As in {@link VectorDense}, no vector leaves the method that makes it, and blocks whose filters or positions do
 * not divide evenly overlap the block before (computing some outputs twice, identically).
 */
final class VectorLanes {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** Samples per group: the floats of one vector. */
  static final int LANES = SPECIES.length();

  private VectorLanes() {}

  /**
   * Samples {@code first..first+LANES-1} of {@code x} (each {@code [channels][height][width]}, one after another)
   * into the interior of {@code lanes}, {@code [channels][height + 2 padH][width + 2 padW][LANES]}; the border is not
   * written (the caller keeps it zero).
   */
  static void toLanes(float[] x, int first, int channels, int height, int width, int padH, int padW, float[] lanes) {
    int sample = channels * height * width;
    int rowStride = (width + 2 * padW) * LANES;
    int plane = (height + 2 * padH) * rowStride;
    for (int i = 0; i < LANES; i++) {
      int xo = (first + i) * sample;
      for (int ch = 0; ch < channels; ch++) {
        for (int r = 0; r < height; r++) {
          int from = xo + (ch * height + r) * width;
          int to = ch * plane + (r + padH) * rowStride + padW * LANES + i;
          for (int c = 0; c < width; c++) {
            lanes[to + c * LANES] = x[from + c];
          }
        }
      }
    }
  }

  /**
   * The group's outputs {@code lanes} ({@code [features][LANES]}) back to samples {@code first..first+LANES-1} of
   * {@code y}, {@code features} floats each.
   */
  static void fromLanes(float[] lanes, int features, float[] y, int first) {
    for (int i = 0; i < LANES; i++) {
      int yo = (first + i) * features;
      for (int k = 0; k < features; k++) {
        y[yo + k] = lanes[k * LANES + i];
      }
    }
  }

  /**
   * One convolution of the group: {@code in} is {@code [groups * channelsPerGroup][inHeight][inWidth][LANES]}, already
   * padded; output position {@code (oh, ow)} of filter {@code f} is {@code b[f] + sum over k of w[f * K + k] * in[base
   * + taps[k]]} with {@code base} the position {@code (oh * strideH, ow * strideW)} of its group's first channel and
   * {@code taps} from {@link VectorBackend#tapOffsets} over {@code in}'s planes ({@code K = taps.length}), clamped at
   * zero if {@code relu}; with {@code pool}, the maximum of each 2x2 window moved by 2 instead. The result, {@code
   * outHeight x outWidth} positions (halved, rounded down, with {@code pool}), goes into the interior of {@code out},
   * {@code [filters][height + 2 outPadH][width + 2 outPadW][LANES]}, for the next layer's padding.
   */
  static void conv(float[] in, int inHeight, int inWidth, int channelsPerGroup, float[] w, float[] b, int[] taps,
      int filters, int groups, int strideH, int strideW, int outHeight, int outWidth, boolean relu, boolean pool,
      float[] out, int outPadH, int outPadW) {
    int perGroup = filters / groups;
    int groupStride = channelsPerGroup * inHeight * inWidth * LANES;
    int height = pool ? outHeight / 2 : outHeight;
    int width = pool ? outWidth / 2 : outWidth;
    int outRow = (width + 2 * outPadW) * LANES;
    int outPlane = (height + 2 * outPadH) * outRow;
    int block = filterBlock(perGroup);
    // Input offsets of the four positions of a block, relative to the first: a pool window's 2x2, or four along a row.
    int down = strideH * inWidth * LANES;
    int right = strideW * LANES;
    for (int g = 0; g < groups; g++) {
      int gin = g * groupStride;
      for (int f = 0; ; f += block) {
        int fb = g * perGroup + Math.min(f, perGroup - block);
        // The block's first filter's interior in out.
        int o = fb * outPlane + outPadH * outRow + outPadW * LANES;
        for (int r = 0; r < height; r++) {
          for (int c = 0; c < width; c += pool ? 1 : 4) {
            int p0;
            int p1;
            int p2;
            int p3;
            int o0;
            int o1;
            int o2;
            int o3;
            if (pool) {
              p0 = gin + 2 * r * down + 2 * c * right;
              p1 = p0 + right;
              p2 = p0 + down;
              p3 = p2 + right;
              o0 = o + r * outRow + c * LANES;
              o1 = o0;
              o2 = o0;
              o3 = o0;
            } else {
              // The last block of a row moved back to end at the row's end (or, on a row narrower than four,
              // positions repeated): the repeated outputs are computed again, identically.
              int c0 = Math.max(0, Math.min(c, width - 4));
              int c1 = Math.min(c0 + 1, width - 1);
              int c2 = Math.min(c0 + 2, width - 1);
              int c3 = Math.min(c0 + 3, width - 1);
              p0 = gin + r * down + c0 * right;
              p1 = gin + r * down + c1 * right;
              p2 = gin + r * down + c2 * right;
              p3 = gin + r * down + c3 * right;
              o0 = o + r * outRow + c0 * LANES;
              o1 = o + r * outRow + c1 * LANES;
              o2 = o + r * outRow + c2 * LANES;
              o3 = o + r * outRow + c3 * LANES;
            }
            if (block == 6) {
              six(in, p0, p1, p2, p3, taps, w, b, fb, relu, pool, out, o0, o1, o2, o3, outPlane);
            } else if (block == 4) {
              four(in, p0, p1, p2, p3, taps, w, b, fb, relu, pool, out, o0, o1, o2, o3, outPlane);
            } else {
              one(in, p0, p1, p2, p3, taps, w, b, fb, relu, pool, out, o0, o1, o2, o3);
            }
          }
        }
        if (f + block >= perGroup) {
          break;
        }
      }
    }
  }

  /**
   * Filters per block for {@code perGroup} filters: six or four, whichever computes fewer outputs once the last
   * block overlaps the one before (six on a tie: fewer loads per product); one below four. Blocks of six were once
   * dropped: in about one JVM in four their 24 accumulators compiled with some stores left as calls that boxed their
   * vectors (376 KB per LeNet-5 batch of 64). That was C2 binding the calls on late-inlined results by the JDK's
   * shared type profiles; with every receiver cast to its exact class ({@link VectorClass}) no JVM has done so, and a
   * block of six spares LeNet-5's first convolution the two filters a second block of four computes again (its
   * batch-64 inference 281-295 against 300-311 µs, JMH, three JVMs each, alternating).
   */
  static int filterBlock(int perGroup) {
    return blockComputingFewer(perGroup, 6, 4);
  }

  /**
   * Of blocks of {@code large} and of {@code small} filters, the one that computes fewer filters over {@code
   * filters} once the last block is moved back to overlap the one before, {@code large} on a tie (fewer loads per
   * product); a block size only where the filters fill at least one block, and 1 where they fill neither. Both the
   * lanes ({@link #filterBlock}) and the pooled kernels ({@link VectorPooledConv#filterBlock}) choose by it.
   */
  static int blockComputingFewer(int filters, int large, int small) {
    if (filters < small) {
      return 1;
    }
    if (filters < large) {
      return small;
    }
    int inLarge = (filters + large - 1) / large * large;
    int inSmall = (filters + small - 1) / small * small;
    return inLarge <= inSmall ? large : small;
  }

  private static FloatVector start(float[] b, int f) {
    return EXACT.cast(FloatVector.broadcast(SPECIES, b == null ? 0f : b[f]));
  }

  /** Filters f..f+5 at the four positions p0..p3 of the group's input: 24 accumulators. */
  private static void six(float[] in, int p0, int p1, int p2, int p3, int[] taps, float[] w, float[] b, int f,
      boolean relu, boolean pool, float[] out, int o0, int o1, int o2, int o3, int plane) {
    int k = taps.length;
    FloatVector a0 = start(b, f);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = start(b, f + 1);
    FloatVector b1 = b0, b2 = b0, b3 = b0;
    FloatVector c0 = start(b, f + 2);
    FloatVector c1 = c0, c2 = c0, c3 = c0;
    FloatVector d0 = start(b, f + 3);
    FloatVector d1 = d0, d2 = d0, d3 = d0;
    FloatVector e0 = start(b, f + 4);
    FloatVector e1 = e0, e2 = e0, e3 = e0;
    FloatVector g0 = start(b, f + 5);
    FloatVector g1 = g0, g2 = g0, g3 = g0;
    int w0 = f * k;
    for (int t = 0; t < k; t++) {
      int at = taps[t] * LANES;
      FloatVector x0 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p0 + at));
      FloatVector x1 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p1 + at));
      FloatVector x2 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p2 + at));
      FloatVector x3 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p3 + at));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + t]));
      a0 = x0.fma(v, a0);
      a1 = x1.fma(v, a1);
      a2 = x2.fma(v, a2);
      a3 = x3.fma(v, a3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + k + t]));
      b0 = x0.fma(v, b0);
      b1 = x1.fma(v, b1);
      b2 = x2.fma(v, b2);
      b3 = x3.fma(v, b3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 2 * k + t]));
      c0 = x0.fma(v, c0);
      c1 = x1.fma(v, c1);
      c2 = x2.fma(v, c2);
      c3 = x3.fma(v, c3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 3 * k + t]));
      d0 = x0.fma(v, d0);
      d1 = x1.fma(v, d1);
      d2 = x2.fma(v, d2);
      d3 = x3.fma(v, d3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 4 * k + t]));
      e0 = x0.fma(v, e0);
      e1 = x1.fma(v, e1);
      e2 = x2.fma(v, e2);
      e3 = x3.fma(v, e3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 5 * k + t]));
      g0 = x0.fma(v, g0);
      g1 = x1.fma(v, g1);
      g2 = x2.fma(v, g2);
      g3 = x3.fma(v, g3);
    }
    // The ReLU as a maximum with zero, or with minus infinity (which changes nothing, NaN and -0 included): choosing
    // between two vectors would merge them in a phi, which C2 (JDK 17) keeps as objects allocated on every call.
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    if (pool) {
      FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0);
      m = EXACT.cast(EXACT.cast(b0).max(b1)).max(EXACT.cast(b2).max(b3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + plane);
      m = EXACT.cast(EXACT.cast(c0).max(c1)).max(EXACT.cast(c2).max(c3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + 2 * plane);
      m = EXACT.cast(EXACT.cast(d0).max(d1)).max(EXACT.cast(d2).max(d3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + 3 * plane);
      m = EXACT.cast(EXACT.cast(e0).max(e1)).max(EXACT.cast(e2).max(e3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + 4 * plane);
      m = EXACT.cast(EXACT.cast(g0).max(g1)).max(EXACT.cast(g2).max(g3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + 5 * plane);
      return;
    }
    a0 = EXACT.cast(a0).max(floor);
    a1 = EXACT.cast(a1).max(floor);
    a2 = EXACT.cast(a2).max(floor);
    a3 = EXACT.cast(a3).max(floor);
    b0 = EXACT.cast(b0).max(floor);
    b1 = EXACT.cast(b1).max(floor);
    b2 = EXACT.cast(b2).max(floor);
    b3 = EXACT.cast(b3).max(floor);
    c0 = EXACT.cast(c0).max(floor);
    c1 = EXACT.cast(c1).max(floor);
    c2 = EXACT.cast(c2).max(floor);
    c3 = EXACT.cast(c3).max(floor);
    d0 = EXACT.cast(d0).max(floor);
    d1 = EXACT.cast(d1).max(floor);
    d2 = EXACT.cast(d2).max(floor);
    d3 = EXACT.cast(d3).max(floor);
    e0 = EXACT.cast(e0).max(floor);
    e1 = EXACT.cast(e1).max(floor);
    e2 = EXACT.cast(e2).max(floor);
    e3 = EXACT.cast(e3).max(floor);
    g0 = EXACT.cast(g0).max(floor);
    g1 = EXACT.cast(g1).max(floor);
    g2 = EXACT.cast(g2).max(floor);
    g3 = EXACT.cast(g3).max(floor);
    EXACT.cast(a0).intoArray(out, o0);
    EXACT.cast(a1).intoArray(out, o1);
    EXACT.cast(a2).intoArray(out, o2);
    EXACT.cast(a3).intoArray(out, o3);
    EXACT.cast(b0).intoArray(out, o0 + plane);
    EXACT.cast(b1).intoArray(out, o1 + plane);
    EXACT.cast(b2).intoArray(out, o2 + plane);
    EXACT.cast(b3).intoArray(out, o3 + plane);
    EXACT.cast(c0).intoArray(out, o0 + 2 * plane);
    EXACT.cast(c1).intoArray(out, o1 + 2 * plane);
    EXACT.cast(c2).intoArray(out, o2 + 2 * plane);
    EXACT.cast(c3).intoArray(out, o3 + 2 * plane);
    EXACT.cast(d0).intoArray(out, o0 + 3 * plane);
    EXACT.cast(d1).intoArray(out, o1 + 3 * plane);
    EXACT.cast(d2).intoArray(out, o2 + 3 * plane);
    EXACT.cast(d3).intoArray(out, o3 + 3 * plane);
    EXACT.cast(e0).intoArray(out, o0 + 4 * plane);
    EXACT.cast(e1).intoArray(out, o1 + 4 * plane);
    EXACT.cast(e2).intoArray(out, o2 + 4 * plane);
    EXACT.cast(e3).intoArray(out, o3 + 4 * plane);
    EXACT.cast(g0).intoArray(out, o0 + 5 * plane);
    EXACT.cast(g1).intoArray(out, o1 + 5 * plane);
    EXACT.cast(g2).intoArray(out, o2 + 5 * plane);
    EXACT.cast(g3).intoArray(out, o3 + 5 * plane);
  }

  /** Filters f..f+3 at the four positions p0..p3 of the group's input: 16 accumulators. */
  private static void four(float[] in, int p0, int p1, int p2, int p3, int[] taps, float[] w, float[] b, int f,
      boolean relu, boolean pool, float[] out, int o0, int o1, int o2, int o3, int plane) {
    int k = taps.length;
    FloatVector a0 = start(b, f);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = start(b, f + 1);
    FloatVector b1 = b0, b2 = b0, b3 = b0;
    FloatVector c0 = start(b, f + 2);
    FloatVector c1 = c0, c2 = c0, c3 = c0;
    FloatVector d0 = start(b, f + 3);
    FloatVector d1 = d0, d2 = d0, d3 = d0;
    int w0 = f * k;
    for (int t = 0; t < k; t++) {
      int at = taps[t] * LANES;
      FloatVector x0 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p0 + at));
      FloatVector x1 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p1 + at));
      FloatVector x2 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p2 + at));
      FloatVector x3 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p3 + at));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + t]));
      a0 = x0.fma(v, a0);
      a1 = x1.fma(v, a1);
      a2 = x2.fma(v, a2);
      a3 = x3.fma(v, a3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + k + t]));
      b0 = x0.fma(v, b0);
      b1 = x1.fma(v, b1);
      b2 = x2.fma(v, b2);
      b3 = x3.fma(v, b3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 2 * k + t]));
      c0 = x0.fma(v, c0);
      c1 = x1.fma(v, c1);
      c2 = x2.fma(v, c2);
      c3 = x3.fma(v, c3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + 3 * k + t]));
      d0 = x0.fma(v, d0);
      d1 = x1.fma(v, d1);
      d2 = x2.fma(v, d2);
      d3 = x3.fma(v, d3);
    }
    // The ReLU as a maximum with zero, or with minus infinity (which changes nothing, NaN and -0 included): choosing
    // between two vectors would merge them in a phi, which C2 (JDK 17) keeps as objects allocated on every call.
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    if (pool) {
      FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0);
      m = EXACT.cast(EXACT.cast(b0).max(b1)).max(EXACT.cast(b2).max(b3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + plane);
      m = EXACT.cast(EXACT.cast(c0).max(c1)).max(EXACT.cast(c2).max(c3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + 2 * plane);
      m = EXACT.cast(EXACT.cast(d0).max(d1)).max(EXACT.cast(d2).max(d3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0 + 3 * plane);
      return;
    }
    a0 = EXACT.cast(a0).max(floor);
    a1 = EXACT.cast(a1).max(floor);
    a2 = EXACT.cast(a2).max(floor);
    a3 = EXACT.cast(a3).max(floor);
    b0 = EXACT.cast(b0).max(floor);
    b1 = EXACT.cast(b1).max(floor);
    b2 = EXACT.cast(b2).max(floor);
    b3 = EXACT.cast(b3).max(floor);
    c0 = EXACT.cast(c0).max(floor);
    c1 = EXACT.cast(c1).max(floor);
    c2 = EXACT.cast(c2).max(floor);
    c3 = EXACT.cast(c3).max(floor);
    d0 = EXACT.cast(d0).max(floor);
    d1 = EXACT.cast(d1).max(floor);
    d2 = EXACT.cast(d2).max(floor);
    d3 = EXACT.cast(d3).max(floor);
    EXACT.cast(a0).intoArray(out, o0);
    EXACT.cast(a1).intoArray(out, o1);
    EXACT.cast(a2).intoArray(out, o2);
    EXACT.cast(a3).intoArray(out, o3);
    EXACT.cast(b0).intoArray(out, o0 + plane);
    EXACT.cast(b1).intoArray(out, o1 + plane);
    EXACT.cast(b2).intoArray(out, o2 + plane);
    EXACT.cast(b3).intoArray(out, o3 + plane);
    EXACT.cast(c0).intoArray(out, o0 + 2 * plane);
    EXACT.cast(c1).intoArray(out, o1 + 2 * plane);
    EXACT.cast(c2).intoArray(out, o2 + 2 * plane);
    EXACT.cast(c3).intoArray(out, o3 + 2 * plane);
    EXACT.cast(d0).intoArray(out, o0 + 3 * plane);
    EXACT.cast(d1).intoArray(out, o1 + 3 * plane);
    EXACT.cast(d2).intoArray(out, o2 + 3 * plane);
    EXACT.cast(d3).intoArray(out, o3 + 3 * plane);
  }

  /** Filter f at the four positions p0..p3 of the group's input (groups of fewer than four filters). */
  private static void one(float[] in, int p0, int p1, int p2, int p3, int[] taps, float[] w, float[] b, int f,
      boolean relu, boolean pool, float[] out, int o0, int o1, int o2, int o3) {
    int k = taps.length;
    FloatVector a0 = start(b, f);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    int w0 = f * k;
    for (int t = 0; t < k; t++) {
      int at = taps[t] * LANES;
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + t]));
      a0 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p0 + at)).fma(v, a0);
      a1 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p1 + at)).fma(v, a1);
      a2 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p2 + at)).fma(v, a2);
      a3 = EXACT.cast(FloatVector.fromArray(SPECIES, in, p3 + at)).fma(v, a3);
    }
    // The ReLU as a maximum with zero, or with minus infinity (which changes nothing, NaN and -0 included): choosing
    // between two vectors would merge them in a phi, which C2 (JDK 17) keeps as objects allocated on every call.
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    if (pool) {
      FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
      EXACT.cast(EXACT.cast(m).max(floor)).intoArray(out, o0);
      return;
    }
    a0 = EXACT.cast(a0).max(floor);
    a1 = EXACT.cast(a1).max(floor);
    a2 = EXACT.cast(a2).max(floor);
    a3 = EXACT.cast(a3).max(floor);
    EXACT.cast(a0).intoArray(out, o0);
    EXACT.cast(a1).intoArray(out, o1);
    EXACT.cast(a2).intoArray(out, o2);
    EXACT.cast(a3).intoArray(out, o3);
  }
}
