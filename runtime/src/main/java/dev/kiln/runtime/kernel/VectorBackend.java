package dev.kiln.runtime.kernel;

/**
 * The opt-in kernels written with the JDK's incubating Vector API ({@code jdk.incubator.vector}), for the layers
 * where they win clearly; everything else, and everything by default, runs the generated loops, which need no flags.
 *
 * <p>Turned on with {@code -Dkiln.vector=true} together with {@code --add-modules jdk.incubator.vector} on the
 * {@code java} command. Asking for it without the module is a configuration error, reported when the first network
 * runs. The vector kernels sum in another order than the generated loops (fused multiply-adds, other groupings), so
 * results differ from the default path by a few units in the last place.
 *
 * <p>This class names no Vector API type, so that code compiled against it (generated networks) needs no module
 * flag; {@link VectorDense} and {@link VectorConv}, which do, are loaded only when a vector kernel first runs.
 */
public final class VectorBackend {
  /** The system property that turns the vector kernels on. */
  public static final String PROPERTY = "kiln.vector";

  /** Whether the vector kernels are on, read once per JVM. */
  public static final boolean ENABLED = enabled();

  private VectorBackend() {}

  private static boolean enabled() {
    if (!Boolean.getBoolean(PROPERTY)) {
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      throw new IllegalStateException("-D" + PROPERTY + "=true needs the JDK's incubating Vector API: add"
          + " --add-modules jdk.incubator.vector to the java command, or drop -D" + PROPERTY);
    }
    return true;
  }

  /**
   * Where a dense layer's flat transposed weight starts in its array ({@link #newDenseFlat}): the first index 64 bytes
   * past the array's start, 12 where an array's floats start 16 bytes past it (HotSpot with compressed class
   * pointers, the default), 10 where they start 24 bytes past it. Why: a weight of 512 KB or more is, under G1 with
   * its default region sizes, a humongous object, which starts at a region's first byte, so its floats from index 0
   * are 16 bytes off a cache line and every one of the kernels' 64-byte loads spans two lines. From this index they
   * are on a line: the MLP's 784 x 256 first layer at batch 64 ran 10-18% faster (see docs/performance.md, "C2's
   * machine code, read"). Where the array lies elsewhere its place is anyone's guess, and this index is as good as
   * any other.
   */
  public static final int DENSE_FLAT_BASE =
      "false".equals(HotSpotOptions.value("UseCompressedClassPointers")) ? 10 : 12;

  /** A zeroed array for a dense layer's flat transposed weight, {@code units x in}, from {@link #DENSE_FLAT_BASE}. */
  public static float[] newDenseFlat(int units, int in) {
    return new float[DENSE_FLAT_BASE + units * in];
  }

  /**
   * A dense layer's forward pass over a batch: {@code y[n][o] = b[o] + sum over k of x[n][k] * w[o * in + k]}, with
   * {@code w} the weight as it is (row-major {@code [out][in]}), {@code wt} the same weight transposed into one flat
   * array from {@link #DENSE_FLAT_BASE} ({@link #newDenseFlat}, filled by {@link Packing#transposeFlat(float[], int,
   * int, float[], int)}) and {@code b} null for no bias. Layers at least a vector wide read
   * {@code wt}, narrower ones {@code w}; {@code wt} may be null where {@link #readsTransposed} says it is not read.
   */
  public static void denseForward(float[] x, float[] w, float[] wt, float[] b, float[] y, int batch, int in,
      int out) {
    VectorDense.forward(x, w, wt, b, y, batch, in, out);
  }

  /**
   * {@link #denseForward} for outputs {@code from..to-1} of every sample, the rest of {@code y}'s rows left as they
   * were: one thread's share when training splits a layer by its outputs. The values are the same bits as
   * {@link #denseForward}'s.
   */
  public static void denseForwardPart(float[] x, float[] w, float[] wt, float[] b, float[] y, int batch, int in,
      int out, int from, int to) {
    VectorDense.forwardPart(x, w, wt, b, y, batch, in, out, from, to);
  }

  /**
   * The sums of {@link #denseForward} over inputs {@code from..to-1} only, for every output of every sample, plus
   * {@code b} where it is not null (else from zero): one thread's share when inference splits a layer by its
   * inputs. The shares' sums added together give the layer's outputs, rounded differently from {@link
   * #denseForward}'s.
   */
  public static void denseForwardInputs(float[] x, float[] w, float[] wt, float[] b, float[] y, int batch, int in,
      int out, int from, int to) {
    VectorDense.forwardInputs(x, w, wt, b, y, batch, in, out, from, to);
  }

  /**
   * A dense layer's weight and bias gradients (as in {@link #denseBackward}) for outputs {@code from..to-1} only:
   * adds to those rows of {@code gw} and entries of {@code gb} (null for no bias), the same bits as a whole pass.
   */
  public static void denseWeightGradientPart(float[] x, float[] g, float[] gw, float[] gb, int batch, int in, int out,
      int from, int to) {
    VectorDense.weightGradient(x, g, gw, gb, batch, in, out, from, to);
  }

  /**
   * Whether {@link #denseForward} reads the transposed copy for a layer of {@code out} outputs: with the kernels on,
   * for a layer at least a vector wide. A narrower one runs on the weight as it is, so its caller need not make the
   * copy (nor remake it after every optimizer step). The vector width is known only at run time; with {@code out} a
   * constant, as in generated code, C2 folds the answer.
   */
  public static boolean readsTransposed(int out) {
    return ENABLED && VectorDense.readsTransposed(out);
  }

  /**
   * A 2x2 max pool moved by 2 over one plane {@code width} floats wide starting at {@code s[so]}: {@code pooled[po +
   * i]} is the maximum of window {@code i} (its top-left tap at {@code so + starts[i]}; the table is {@code
   * ConvWindows.starts(pooledHeight, pooledWidth, 2 * width, 2)}, one entry per window, row by row), as {@code
   * Math.max(Math.max(v0, v1), Math.max(v2, v3))} over its taps row by row.
   */
  public static void maxPool2x2(float[] s, int so, int width, int[] starts, float[] pooled, int po) {
    VectorPool.maxPool(s, so, width, starts, pooled, po);
  }

  /**
   * {@link #maxPool2x2}, and each window's winner in {@code arg[po + i]}: the index of its first tap equal to the
   * maximum (row by row; where the maximum is NaN, its last NaN), relative to {@code so}, plus {@code yo}.
   */
  public static void maxPool2x2Winners(float[] s, int so, int width, int[] starts, float[] pooled, int[] arg,
      int po, int yo) {
    VectorPool.maxPoolWinners(s, so, width, starts, pooled, arg, po, yo);
  }

  /**
   * Samples per group of the batch-in-lanes convolution kernels ({@link #toLanes}, {@link #convLanes}): the floats of
   * one vector with the kernels on, 0 with them off (nothing then runs in lanes).
   */
  public static int lanes() {
    return ENABLED ? VectorLanes.LANES : 0;
  }

  /**
   * Samples {@code first..first+lanes()-1} of {@code x}, each {@code [channels][height][width]}, into the interior of
   * the batch-in-lanes image {@code lanes}, {@code [channels][height + 2 padH][width + 2 padW][lanes()]}: sample
   * {@code i} in lane {@code i} of every pixel's vector. The border is not written; the caller keeps it zero.
   */
  public static void toLanes(float[] x, int first, int channels, int height, int width, int padH, int padW,
      float[] lanes) {
    VectorLanes.toLanes(x, first, channels, height, width, padH, padW, lanes);
  }

  /**
   * A convolution of one group of samples in lanes, fused with its ReLU ({@code relu}) and the 2x2 max pool moved by
   * 2 after it ({@code pool}); see {@code VectorLanes.conv}. {@code in} is {@code [groups * channelsPerGroup][inHeight]
   * [inWidth][lanes()]}, already padded, {@code taps} the layer's {@link #tapOffsets} over those planes; the result
   * goes into the interior of {@code out}, {@code [filters][height + 2 outPadH][width + 2 outPadW][lanes()]}. Each
   * sample's values are the bits {@link #convForward} and {@link #maxPool2x2} give it.
   */
  public static void convLanes(float[] in, int inHeight, int inWidth, int channelsPerGroup, float[] w, float[] b,
      int[] taps, int filters, int groups, int strideH, int strideW, int outHeight, int outWidth, boolean relu,
      boolean pool, float[] out, int outPadH, int outPadW) {
    VectorLanes.conv(in, inHeight, inWidth, channelsPerGroup, w, b, taps, filters, groups, strideH, strideW,
        outHeight, outWidth, relu, pool, out, outPadH, outPadW);
  }

  /** The group's outputs in lanes ({@code [features][lanes()]}) back to samples {@code first..} of {@code y}. */
  public static void fromLanes(float[] lanes, int features, float[] y, int first) {
    VectorLanes.fromLanes(lanes, features, y, first);
  }

  /**
   * Whether {@link #convPooled} reads a layer's weight transposed ({@code [taps][filters]}, see {@link
   * Packing#transposeFlat}): with the kernels on, where it puts the filters in lanes ({@code filters} a multiple of the
   * vector's floats, a pooled row at least four wide). Otherwise the caller need not make the copy.
   */
  public static boolean pooledReadsTransposed(int filters, int pooledWidth) {
    return ENABLED && VectorPooledConv.filtersInLanes(filters, pooledWidth);
  }

  /**
   * The tap table {@link #convPooled} reads for a layer of {@code filters} filters of {@code kernelHeight x
   * kernelWidth} over {@code channels} planes of {@code height x width}, padded by {@code padH x padW}; empty with the
   * kernels off.
   */
  public static int[] pooledTaps(int channels, int height, int width, int padH, int padW, int filters,
      int kernelHeight, int kernelWidth) {
    return ENABLED
        ? VectorPooledConv.taps(channels, height, width, padH, padW, filters, kernelHeight, kernelWidth)
        : new int[0];
  }

  /**
   * Floats of scratch {@link #convPooled} needs for the layer {@link #pooledTaps} describes; 0 with the kernels off.
   */
  public static int pooledScratchSize(int channels, int height, int width, int padH, int padW, int filters,
      int kernelHeight, int kernelWidth) {
    return ENABLED
        ? VectorPooledConv.scratchSize(channels, height, width, padH, padW, filters, kernelHeight, kernelWidth)
        : 0;
  }

  /**
   * One sample {@code x[xo..]} ({@code [channels][height][width]}) through a stride-1 convolution (no dilation, one
   * group; its geometry in {@link #pooledTaps}'s order) with its ReLU if {@code relu} and the 2x2 max pool moved by 2
   * after it, straight from the image: the pooled result, {@code [filters][pooledHeight][pooledWidth]}, into {@code
   * out[oo..]}, the bits {@link #convForward} and {@link #maxPool2x2} give it. {@code w} is the weight as it is,
   * {@code wt} its transposed copy where {@link #pooledReadsTransposed} says it is read (else may be null), {@code b}
   * null for no bias, {@code taps} from {@link #pooledTaps}, {@code scratch} a zeroed array of {@link
   * #pooledScratchSize} floats kept for this layer (its padding is never written).
   */
  public static void convPooled(float[] x, int xo, int channels, int height, int width, int padH, int padW,
      int filters, int kernelHeight, int kernelWidth, float[] w, float[] wt, float[] b, int[] taps, boolean relu,
      float[] scratch, float[] out, int oo) {
    VectorPooledConv.forward(x, xo, channels, height, width, padH, padW, filters, kernelHeight, kernelWidth, w, wt,
        b, taps, relu, scratch, out, oo);
  }

  /**
   * A dense layer's backward pass over a batch, weight {@code w} row-major {@code [out][in]} as PyTorch keeps it: adds
   * {@code sum over n of g[n][o] * x[n][k]} to {@code gw[o * in + k]} and, unless {@code gb} is null, {@code sum over
   * n of g[n][o]} to {@code gb[o]}; if {@code inputGrad}, writes {@code gx[n][k] = sum over o of g[n][o] * w[o][k]}.
   * Every product is done, zero gradients included; no transposed copy of the weight is needed.
   */
  public static void denseBackward(float[] x, float[] w, float[] g, float[] gx, float[] gw, float[] gb, int batch,
      int in, int out, boolean inputGrad) {
    VectorDense.weightGradient(x, g, gw, gb, batch, in, out);
    if (inputGrad) {
      // The weight, row-major [out][in], is the transposed weight of the product from out values to in.
      VectorDense.forward(g, null, w, 0, null, gx, batch, out, in);
    }
  }

  /**
   * A block of a convolution's filters over im2col columns: {@code sums[f - f0][p] = b[f] + sum over k < taps of
   * w[f * taps + k] * cols[k][p]} for filters {@code f0..f0+filters-1} and positions {@code p < len}; {@code b} null
   * for no bias.
   */
  public static void convForward(float[] w, float[] b, float[][] cols, float[][] sums, int f0, int filters, int len,
      int taps) {
    VectorConv.forward(w, b, cols, sums, f0, filters, len, taps);
  }

  /**
   * Where each kernel tap of a stride-1 convolution reads its source image (one group's channels, {@code
   * sourceHeight x sourceWidth} each, padded copy or input) relative to the output position's own offset, in
   * PyTorch's weight order (channel, row, column): the tap table of the wide-grid kernels below.
   */
  public static int[] tapOffsets(int channels, int kernelHeight, int kernelWidth, int dilationHeight,
      int dilationWidth, int sourceHeight, int sourceWidth) {
    int[] taps = new int[channels * kernelHeight * kernelWidth];
    int k = 0;
    for (int ch = 0; ch < channels; ch++) {
      for (int kh = 0; kh < kernelHeight; kh++) {
        for (int kw = 0; kw < kernelWidth; kw++) {
          taps[k++] = ch * sourceHeight * sourceWidth + kh * dilationHeight * sourceWidth + kw * dilationWidth;
        }
      }
    }
    return taps;
  }

  /**
   * One sample's output gradient for a block of filters, moved onto the wide grid: {@code wide[f * pw + oh *
   * sourceWidth + ow] = g[go + f * outHeight * outWidth + oh * outWidth + ow]} with {@code pw = (outHeight - 1) *
   * sourceWidth + outWidth}, zero where {@code relu} is set and the layer's output {@code y} (same offsets as
   * {@code g}) is not positive. The wide grid's unused positions are never written, so they stay zero. Adds each
   * filter's sum to {@code gb[f0 + f]} unless {@code gb} is null.
   */
  public static void convWideGradient(float[] g, float[] y, int go, boolean relu, float[] wide, int filters,
      int outHeight, int outWidth, int sourceWidth, float[] gb, int f0) {
    VectorConv.wideGradient(g, y, go, relu, wide, filters, outHeight, outWidth, sourceWidth, gb, f0);
  }

  /** Floats of lane accumulators per weight that {@link #convWeightGradient} needs. */
  public static final int LANE_SLOTS = 16;

  /**
   * A stride-1 convolution's weight gradient from one sample and group: {@code sum over p < pw of wide[f * pw + p]
   * * src[so + taps[k] + p]} for weight {@code (f0 + f) * K + k}, with {@code wide} from {@link #convWideGradient}
   * and {@code taps} from {@link #tapOffsets} ({@code K = taps.length}). Most of it goes into the weights' lane
   * accumulators ({@link #LANE_SLOTS} floats per weight, zero at the start), the rest into {@code gw};
   * {@link #convFinishWeightGradient} adds the accumulators into {@code gw} at the end of the batch.
   */
  public static void convWeightGradient(float[] wide, int pw, float[] src, int so, int[] taps, float[] lanes,
      float[] gw, int f0, int filters) {
    VectorConv.weightGradient(wide, pw, src, so, taps, lanes, gw, f0, filters);
  }

  /** Adds the lane accumulators of weights {@code 0..count-1} into {@code gw} and clears them for the next batch. */
  public static void convFinishWeightGradient(float[] lanes, float[] gw, int count) {
    VectorConv.finishWeightGradient(lanes, gw, count);
  }

  /**
   * A stride-1 convolution's input gradient from one sample and group, added onto the source image's layout:
   * {@code target[to + taps[k] + p] += sum over f of w[(f0 + f) * K + k] * wide[f * pw + p]}.
   */
  public static void convInputGradient(float[] w, int f0, int filters, int[] taps, float[] wide, int pw,
      float[] target, int to) {
    VectorConv.inputGradient(w, f0, filters, taps, wide, pw, target, to);
  }
}
