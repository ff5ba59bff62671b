package dev.kiln.runtime.kernel;

import static dev.kiln.runtime.kernel.VectorClass.EXACT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One sample's stride-1 convolution with its ReLU and the 2x2 max pool moved by 2 after it, on the Vector API,
 * straight from the image: no im2col columns, no gathers. The batch-in-lanes kernels ({@link VectorLanes}) need a
 * group of samples to fill their lanes; a lone sample (batch 1, and a batch's leftover samples) comes here instead.
 *
 * <p>Why: on LeNet-5 at batch 1 the im2col kernels spent more time copying columns and gathering the pool's taps
 * than multiplying. Here a pool window's four positions are four accumulators that stay in registers from the bias
 * to the pool, as in the lanes, with one of two things in the lanes of a vector:
 *
 * <ul>
 *   <li><b>Filters</b> ({@link #filtersInLanes}), where the filters fill whole vectors (LeNet-5's second convolution:
 *       16 filters, a 5 x 5 pooled output). A block is one filter vector at the four positions of five (or four)
 *       neighbouring pool windows along a pooled row, 20 (16) accumulators; each tap is one vector of the transposed
 *       weight ({@code [taps][filters]}) times each position's input, broadcast from the image. The pooled results,
 *       filters in lanes, are written out filter by filter.
 *   <li><b>Pooled positions</b> ({@link #forwardPositionsInLanes}) otherwise (LeNet-5's first convolution: 6
 *       filters, 14 x 14 pooled). The padded image is first split into its four phase images (even and odd rows by even
 *       and odd columns), so that a tap's input for a run of neighbouring pool windows at one of the window's four
 *       places is one contiguous vector of a phase image. The windows run along a "wide grid": row {@code r} of the
 *       pooled output starts at {@code r * phaseWidth}, a few more than the pooled width, so the runs cross rows freely
 *       and the positions past a row's end, computed in vain, are dropped when the result is copied out. A block is
 *       four or three filters ({@link #filterBlock}) by the four places, 16 or 12 accumulators. (One block of six was
 *       about 3% faster on LeNet-5's first convolution in a scratch harness, but was left out while 24-accumulator
 *       blocks risked boxing; see {@link VectorLanes#filterBlock}. Not retried since.)
 * </ul>
 *
 * <p>Every output sums its taps in PyTorch's weight order from the bias with fused multiply-adds and pools in the same
 * order with {@code Math.max}'s rules, clamping after the pool, as {@link VectorLanes} does: a sample gets the same
 * bits here as in the lanes or the im2col kernels. Blocks that do not divide evenly are moved back to overlap the one
 * before, and no vector leaves the method that makes it.
 */
final class VectorPooledConv {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  private VectorPooledConv() {}

  /** Whether {@link #forward} puts the filters in lanes: they fill whole vectors and a pooled row is four wide. */
  static boolean filtersInLanes(int filters, int pooledWidth) {
    return filters % LANES == 0 && pooledWidth >= 4;
  }

  /**
   * Floats of scratch {@link #forward} needs: the padded image or its phase images, and the wide grid's results (or
   * the pooled block's filters in lanes).
   */
  static int scratchSize(int channels, int height, int width, int padH, int padW, int filters, int kernelHeight,
      int kernelWidth) {
    int paddedHeight = height + 2 * padH;
    int paddedWidth = width + 2 * padW;
    int pooledHeight = (paddedHeight - kernelHeight + 1) / 2;
    int pooledWidth = (paddedWidth - kernelWidth + 1) / 2;
    if (filtersInLanes(filters, pooledWidth)) {
      return channels * paddedHeight * paddedWidth + 5 * LANES;
    }
    int phaseHeight = (paddedHeight + 1) / 2;
    int phaseWidth = (paddedWidth + 1) / 2;
    return 4 * channels * phaseHeight * phaseWidth + filters * wideLength(pooledHeight, pooledWidth, phaseWidth);
  }

  /** Positions of the wide grid: pooled row {@code r} at {@code r * phaseWidth}, up to the last pooled position. */
  private static int wideLength(int pooledHeight, int pooledWidth, int phaseWidth) {
    return (pooledHeight - 1) * phaseWidth + pooledWidth;
  }

  /**
   * The tap table {@link #forward} needs for a layer: with the filters in lanes, each tap's offset in the padded
   * image ({@code [channels][height + 2 padH][width + 2 padW]}); else, for each tap and each of a pool window's four
   * places (row by row), the offset of its input in the phase images, relative to the window's place on the wide
   * grid, as {@code [tap][place]}.
   */
  static int[] taps(int channels, int height, int width, int padH, int padW, int filters, int kernelHeight,
      int kernelWidth) {
    int paddedHeight = height + 2 * padH;
    int paddedWidth = width + 2 * padW;
    int pooledWidth = (paddedWidth - kernelWidth + 1) / 2;
    if (filtersInLanes(filters, pooledWidth)) {
      return VectorBackend.tapOffsets(channels, kernelHeight, kernelWidth, 1, 1, paddedHeight, paddedWidth);
    }
    int phaseHeight = (paddedHeight + 1) / 2;
    int phaseWidth = (paddedWidth + 1) / 2;
    int phasePlane = phaseHeight * phaseWidth;
    int[] taps = new int[4 * channels * kernelHeight * kernelWidth];
    int t = 0;
    for (int ch = 0; ch < channels; ch++) {
      for (int kh = 0; kh < kernelHeight; kh++) {
        for (int kw = 0; kw < kernelWidth; kw++) {
          for (int dy = 0; dy < 2; dy++) {
            for (int dx = 0; dx < 2; dx++) {
              int row = dy + kh;
              int column = dx + kw;
              int phase = (row & 1) * 2 + (column & 1);
              taps[t++] = (phase * channels + ch) * phasePlane + (row >> 1) * phaseWidth + (column >> 1);
            }
          }
        }
      }
    }
    return taps;
  }

  /**
   * Sample {@code x[xo..]} ({@code [channels][height][width]}) through the convolution (stride 1, no dilation, one
   * group, {@code padH x padW} zeros around), its ReLU if {@code relu} and the 2x2 max pool: the pooled result,
   * {@code [filters][pooledHeight][pooledWidth]}, into {@code out[oo..]}. {@code w} is the weight as it is ({@code
   * [filters][channels][kernelHeight][kernelWidth]}), {@code wt} the same transposed into {@code [taps][filters]}
   * (read only with the filters in lanes; else may be null), {@code b} null for no bias, {@code taps} from {@link
   * #taps}, {@code scratch} at least {@link #scratchSize} floats, whose padding the caller keeps zero (nothing here
   * writes there).
   */
  static void forward(float[] x, int xo, int channels, int height, int width, int padH, int padW, int filters,
      int kernelHeight, int kernelWidth, float[] w, float[] wt, float[] b, int[] taps, boolean relu, float[] scratch,
      float[] out, int oo) {
    int paddedHeight = height + 2 * padH;
    int paddedWidth = width + 2 * padW;
    int pooledHeight = (paddedHeight - kernelHeight + 1) / 2;
    int pooledWidth = (paddedWidth - kernelWidth + 1) / 2;
    if (filtersInLanes(filters, pooledWidth)) {
      float[] padded = x;
      int po = xo;
      if (padH > 0 || padW > 0) {
        pad(x, xo, channels, height, width, padH, padW, scratch);
        padded = scratch;
        po = 0;
      }
      int tile = channels * paddedHeight * paddedWidth;
      forwardFiltersInLanes(padded, po, paddedWidth, wt, b, filters, taps, relu, pooledHeight, pooledWidth, scratch,
          tile, out, oo);
    } else {
      int phaseWidth = (paddedWidth + 1) / 2;
      int phaseHeight = (paddedHeight + 1) / 2;
      split(x, xo, channels, height, width, padH, padW, phaseHeight, phaseWidth, scratch);
      int wide = 4 * channels * phaseHeight * phaseWidth;
      forwardPositionsInLanes(scratch, taps, w, b, filters, relu, pooledHeight, pooledWidth, phaseWidth, wide, out,
          oo);
    }
  }

  /** The image into the interior of {@code padded} ({@code [channels][height + 2 padH][width + 2 padW]}). */
  private static void pad(float[] x, int xo, int channels, int height, int width, int padH, int padW,
      float[] padded) {
    int paddedWidth = width + 2 * padW;
    int plane = (height + 2 * padH) * paddedWidth;
    for (int ch = 0; ch < channels; ch++) {
      for (int r = 0; r < height; r++) {
        System.arraycopy(x, xo + (ch * height + r) * width, padded, ch * plane + (r + padH) * paddedWidth + padW,
            width);
      }
    }
  }

  /**
   * The image's pixels into the phase images: padded pixel {@code (r, c)} of channel {@code ch} to phase {@code (r %
   * 2, c % 2)}, {@code [phase][channels][phaseHeight][phaseWidth]}, at {@code (r / 2, c / 2)}. The padding is not
   * written.
   */
  private static void split(float[] x, int xo, int channels, int height, int width, int padH, int padW,
      int phaseHeight, int phaseWidth, float[] phases) {
    int phasePlane = phaseHeight * phaseWidth;
    for (int ch = 0; ch < channels; ch++) {
      for (int r = 0; r < height; r++) {
        int pr = r + padH;
        int from = xo + (ch * height + r) * width;
        // Even padded columns to one phase, odd to the other, each a loop of its own (no branch per pixel).
        int even = ((pr & 1) * 2 * channels + ch) * phasePlane + (pr >> 1) * phaseWidth;
        int odd = even + channels * phasePlane;
        int firstEven = padW & 1;
        for (int c = firstEven, to = even + ((firstEven + padW) >> 1); c < width; c += 2) {
          phases[to++] = x[from + c];
        }
        for (int c = 1 - firstEven, to = odd + ((1 - firstEven + padW) >> 1); c < width; c += 2) {
          phases[to++] = x[from + c];
        }
      }
    }
  }

  private static void forwardFiltersInLanes(float[] x, int xo, int rowWidth, float[] wt, float[] b, int filters,
      int[] taps, boolean relu, int pooledHeight, int pooledWidth, float[] scratch, int tile, float[] out, int oo) {
    // Five windows a block where that computes no more windows than four would, else four.
    int five = (pooledWidth + 4) / 5 * 5;
    int four = (pooledWidth + 3) / 4 * 4;
    int block = pooledWidth >= 5 && five <= four ? 5 : 4;
    int plane = pooledHeight * pooledWidth;
    for (int fv = 0; fv < filters; fv += LANES) {
      for (int r = 0; r < pooledHeight; r++) {
        for (int c = 0; ; c += block) {
          int cb = Math.min(c, pooledWidth - block);
          int at = xo + 2 * r * rowWidth + 2 * cb;
          if (block == 5) {
            fiveWindows(x, at, rowWidth, taps, wt, filters, fv, b, relu, scratch, tile);
          } else {
            fourWindows(x, at, rowWidth, taps, wt, filters, fv, b, relu, scratch, tile);
          }
          // Filters in lanes to the filters' planes, filter by filter, each filter's windows one run (window by
          // window, the stores would be a plane apart, where planes of 4 KB share their L1 sets).
          int o = oo + fv * plane + r * pooledWidth + cb;
          for (int l = 0; l < LANES; l++) {
            for (int i = 0; i < block; i++) {
              out[o + l * plane + i] = scratch[tile + i * LANES + l];
            }
          }
          if (c + block >= pooledWidth) {
            break;
          }
        }
      }
    }
  }

  /** Zeros to start from where a layer has no bias; never written. */
  private static final float[] NO_BIAS = new float[LANES];

  /**
   * Filters {@code f..f+LANES-1}'s biases as one vector. The choice is between arrays, not between a zero vector and a
   * loaded one: a choice of vectors merges them in a phi, which C2 (JDK 17) may keep as objects (see {@link
   * VectorLanes}).
   */
  private static FloatVector bias(float[] b, int f) {
    return EXACT.cast(FloatVector.fromArray(SPECIES, b == null ? NO_BIAS : b, b == null ? 0 : f));
  }

  /**
   * Filters {@code fv..fv+LANES-1} at five neighbouring pool windows, the first window's top-left input at {@code
   * x[at]}: 20 accumulators; the pooled results, window by window, into {@code tile[to..]}.
   */
  private static void fiveWindows(float[] x, int at, int row, int[] taps, float[] wt, int filters, int fv,
      float[] b, boolean relu, float[] tile, int to) {
    FloatVector a0 = bias(b, fv);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
    FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
    FloatVector e0 = a0, e1 = a0, e2 = a0, e3 = a0;
    int k = taps.length;
    for (int t = 0; t < k; t++) {
      FloatVector v = EXACT.cast(FloatVector.fromArray(SPECIES, wt, t * filters + fv));
      int p = at + taps[t];
      int q = p + row;
      a0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p])).fma(v, a0);
      a1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 1])).fma(v, a1);
      a2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q])).fma(v, a2);
      a3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 1])).fma(v, a3);
      b0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 2])).fma(v, b0);
      b1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 3])).fma(v, b1);
      b2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 2])).fma(v, b2);
      b3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 3])).fma(v, b3);
      c0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 4])).fma(v, c0);
      c1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 5])).fma(v, c1);
      c2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 4])).fma(v, c2);
      c3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 5])).fma(v, c3);
      d0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 6])).fma(v, d0);
      d1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 7])).fma(v, d1);
      d2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 6])).fma(v, d2);
      d3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 7])).fma(v, d3);
      e0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 8])).fma(v, e0);
      e1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 9])).fma(v, e1);
      e2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 8])).fma(v, e2);
      e3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 9])).fma(v, e3);
    }
    // The ReLU as a maximum with zero, or with minus infinity (see VectorLanes: no phi of two vectors).
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    // Every receiver cast to the vectors' exact class (see VectorClass).
    FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to);
    m = EXACT.cast(EXACT.cast(b0).max(b1)).max(EXACT.cast(b2).max(b3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to + LANES);
    m = EXACT.cast(EXACT.cast(c0).max(c1)).max(EXACT.cast(c2).max(c3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to + 2 * LANES);
    m = EXACT.cast(EXACT.cast(d0).max(d1)).max(EXACT.cast(d2).max(d3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to + 3 * LANES);
    m = EXACT.cast(EXACT.cast(e0).max(e1)).max(EXACT.cast(e2).max(e3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to + 4 * LANES);
  }

  /** {@link #fiveWindows} for four windows: 16 accumulators. */
  private static void fourWindows(float[] x, int at, int row, int[] taps, float[] wt, int filters, int fv,
      float[] b, boolean relu, float[] tile, int to) {
    FloatVector a0 = bias(b, fv);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
    FloatVector d0 = a0, d1 = a0, d2 = a0, d3 = a0;
    int k = taps.length;
    for (int t = 0; t < k; t++) {
      FloatVector v = EXACT.cast(FloatVector.fromArray(SPECIES, wt, t * filters + fv));
      int p = at + taps[t];
      int q = p + row;
      a0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p])).fma(v, a0);
      a1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 1])).fma(v, a1);
      a2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q])).fma(v, a2);
      a3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 1])).fma(v, a3);
      b0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 2])).fma(v, b0);
      b1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 3])).fma(v, b1);
      b2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 2])).fma(v, b2);
      b3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 3])).fma(v, b3);
      c0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 4])).fma(v, c0);
      c1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 5])).fma(v, c1);
      c2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 4])).fma(v, c2);
      c3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 5])).fma(v, c3);
      d0 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 6])).fma(v, d0);
      d1 = EXACT.cast(FloatVector.broadcast(SPECIES, x[p + 7])).fma(v, d1);
      d2 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 6])).fma(v, d2);
      d3 = EXACT.cast(FloatVector.broadcast(SPECIES, x[q + 7])).fma(v, d3);
    }
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    // Every receiver cast to the vectors' exact class (see VectorClass).
    FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to);
    m = EXACT.cast(EXACT.cast(b0).max(b1)).max(EXACT.cast(b2).max(b3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to + LANES);
    m = EXACT.cast(EXACT.cast(c0).max(c1)).max(EXACT.cast(c2).max(c3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to + 2 * LANES);
    m = EXACT.cast(EXACT.cast(d0).max(d1)).max(EXACT.cast(d2).max(d3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(tile, to + 3 * LANES);
  }

  private static void forwardPositionsInLanes(float[] phases, int[] taps, float[] w, float[] b, int filters,
      boolean relu, int pooledHeight, int pooledWidth, int phaseWidth, int wide, float[] out, int oo) {
    int len = wideLength(pooledHeight, pooledWidth, phaseWidth);
    if (len >= LANES) {
      int block = filterBlock(filters);
      for (int q = 0; ; q += LANES) {
        int qb = Math.min(q, len - LANES);
        for (int f = 0; ; f += block) {
          int fb = Math.min(f, filters - block);
          if (block == 4) {
            fourFilters(phases, qb, taps, w, b, fb, relu, phases, wide + fb * len + qb, len);
          } else if (block == 3) {
            threeFilters(phases, qb, taps, w, b, fb, relu, phases, wide + fb * len + qb, len);
          } else {
            oneFilter(phases, qb, taps, w, b, fb, relu, phases, wide + fb * len + qb);
          }
          if (f + block >= filters) {
            break;
          }
        }
        if (q + LANES >= len) {
          break;
        }
      }
    } else {
      narrow(phases, taps, w, b, filters, relu, len, phases, wide);
    }
    // The wide grid's rows into the pooled planes, dropping the positions past each row's end.
    for (int f = 0; f < filters; f++) {
      for (int r = 0; r < pooledHeight; r++) {
        System.arraycopy(phases, wide + f * len + r * phaseWidth, out, oo + (f * pooledHeight + r) * pooledWidth,
            pooledWidth);
      }
    }
  }

  /**
   * Filters per block with pooled positions in lanes: four, or three where blocks of three compute fewer filters
   * (the last block moved back included; LeNet-5's six filters take two blocks of three, not two of four that
   * overlap by two), one below three.
   */
  static int filterBlock(int filters) {
    return VectorLanes.blockComputingFewer(filters, 4, 3);
  }

  private static FloatVector start(float[] b, int f) {
    return EXACT.cast(FloatVector.broadcast(SPECIES, b == null ? 0f : b[f]));
  }

  /**
   * Filters {@code f..f+3} at the wide grid's positions {@code q..q+LANES-1}: 16 accumulators, a pool window's four
   * places for each filter; the pooled results into {@code result[ro + i * len]} for filter {@code f + i}.
   */
  private static void fourFilters(float[] phases, int q, int[] taps, float[] w, float[] b, int f, boolean relu,
      float[] result, int ro, int len) {
    int k = taps.length / 4;
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
      FloatVector x0 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t]));
      FloatVector x1 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 1]));
      FloatVector x2 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 2]));
      FloatVector x3 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 3]));
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
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    // Every receiver cast to the vectors' exact class (see VectorClass).
    FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro);
    m = EXACT.cast(EXACT.cast(b0).max(b1)).max(EXACT.cast(b2).max(b3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro + len);
    m = EXACT.cast(EXACT.cast(c0).max(c1)).max(EXACT.cast(c2).max(c3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro + 2 * len);
    m = EXACT.cast(EXACT.cast(d0).max(d1)).max(EXACT.cast(d2).max(d3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro + 3 * len);
  }

  /** {@link #fourFilters} for three filters: 12 accumulators. */
  private static void threeFilters(float[] phases, int q, int[] taps, float[] w, float[] b, int f, boolean relu,
      float[] result, int ro, int len) {
    int k = taps.length / 4;
    FloatVector a0 = start(b, f);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = start(b, f + 1);
    FloatVector b1 = b0, b2 = b0, b3 = b0;
    FloatVector c0 = start(b, f + 2);
    FloatVector c1 = c0, c2 = c0, c3 = c0;
    int w0 = f * k;
    for (int t = 0; t < k; t++) {
      FloatVector x0 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t]));
      FloatVector x1 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 1]));
      FloatVector x2 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 2]));
      FloatVector x3 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 3]));
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
    }
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    // Every receiver cast to the vectors' exact class (see VectorClass).
    FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro);
    m = EXACT.cast(EXACT.cast(b0).max(b1)).max(EXACT.cast(b2).max(b3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro + len);
    m = EXACT.cast(EXACT.cast(c0).max(c1)).max(EXACT.cast(c2).max(c3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro + 2 * len);
  }

  /** {@link #fourFilters} for one filter (layers of fewer than three). */
  private static void oneFilter(float[] phases, int q, int[] taps, float[] w, float[] b, int f, boolean relu,
      float[] result, int ro) {
    int k = taps.length / 4;
    FloatVector a0 = start(b, f);
    FloatVector a1 = a0, a2 = a0, a3 = a0;
    int w0 = f * k;
    for (int t = 0; t < k; t++) {
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, w[w0 + t]));
      a0 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t])).fma(v, a0);
      a1 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 1])).fma(v, a1);
      a2 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 2])).fma(v, a2);
      a3 = EXACT.cast(FloatVector.fromArray(SPECIES, phases, q + taps[4 * t + 3])).fma(v, a3);
    }
    FloatVector floor = EXACT.cast(FloatVector.broadcast(SPECIES, relu ? 0f : Float.NEGATIVE_INFINITY));
    // Every receiver cast to the vectors' exact class (see VectorClass).
    FloatVector m = EXACT.cast(EXACT.cast(a0).max(a1)).max(EXACT.cast(a2).max(a3));
    EXACT.cast(EXACT.cast(m).max(floor)).intoArray(result, ro);
  }

  /** A wide grid narrower than a vector, one position at a time: the same sums and maxima, scalar. */
  private static void narrow(float[] phases, int[] taps, float[] w, float[] b, int filters, boolean relu, int len,
      float[] result, int ro) {
    int k = taps.length / 4;
    for (int f = 0; f < filters; f++) {
      for (int q = 0; q < len; q++) {
        float s0 = b == null ? 0f : b[f];
        float s1 = s0, s2 = s0, s3 = s0;
        for (int t = 0; t < k; t++) {
          float v = w[f * k + t];
          s0 = Math.fma(phases[q + taps[4 * t]], v, s0);
          s1 = Math.fma(phases[q + taps[4 * t + 1]], v, s1);
          s2 = Math.fma(phases[q + taps[4 * t + 2]], v, s2);
          s3 = Math.fma(phases[q + taps[4 * t + 3]], v, s3);
        }
        float m = Math.max(Math.max(s0, s1), Math.max(s2, s3));
        result[ro + f * len + q] = relu ? Math.max(m, 0f) : m;
      }
    }
  }
}
