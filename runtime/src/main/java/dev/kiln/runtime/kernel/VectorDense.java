package dev.kiln.runtime.kernel;

import static dev.kiln.runtime.kernel.VectorClass.EXACT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A dense layer's forward and backward passes on the Vector API, register-blocked: in the forward pass six samples by
 * two vectors of outputs (on AVX2, 6 x 16) stay in twelve vector registers while the inputs stream past, each weight
 * vector loaded once for six fused multiply-adds; with AVX-512's 32 registers, 24 accumulators, six samples by four
 * vectors or eight by three ({@link #WIDE_BLOCKS}, {@link #blockVectors}). The generated loops keep their sums in
 * memory instead (C2 cannot keep a row in registers). Outputs or samples that do not divide into blocks take a last
 * block moved back to overlap the one before; fewer than two vectors of outputs go one vector at a time, fewer than
 * six samples one at a time ({@link #fewSamples}), layers narrower than a vector as dot products on the weight as it
 * is ({@link #narrow}). The transposed weight is one flat array: its rows as separate arrays cost a quarter of the
 * speed.
 *
 * <p>The backward pass needs no transposed copy. The input gradient is this same forward product with the weight as
 * it is ({@code gx[n][k] = sum over o of g[n][o] * w[o][k]}: the weight, row-major {@code [out][in]}, is already laid
 * out as the "transposed weight" of a product from {@code out} values to {@code in}). The weight gradient
 * ({@link #weightGradient}) is blocked the same way with the roles turned: six outputs by two vectors of inputs in
 * twelve registers while the samples stream past.
 *
 * <p>Each block is its own small method, called once per block of every pass, so that C2 compiles it after a few
 * passes: the Vector API is only fast once C2 has compiled a method as a whole (interpreted, C1-compiled or
 * OSR-compiled, its vectors stay boxed objects). No vector crosses a method boundary, and no block chooses between
 * two vectors to start from (see {@link #zeros(int)}): where C2 inlines a block into its caller's loops, either has
 * made it keep the vectors as objects.
 */
final class VectorDense {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** Where the flat transposed weight starts in its array ({@link VectorBackend#DENSE_FLAT_BASE}). */
  private static final int FLAT_BASE = VectorBackend.DENSE_FLAT_BASE;
  private static final int LANES = SPECIES.length();
  /** Samples per block. */
  private static final int ROWS = 6;
  /** Zeros to start from for layers without bias (see {@link #zeros(int)}). */
  private static volatile float[] zeros = new float[0];
  /** Samples and outputs per block of a narrow layer's dot products. */
  private static final int DOT_BLOCK = 4;
  /** Outputs per block of the weight gradient. */
  private static final int OUTPUTS = 6;
  /**
   * Whether the registers hold the wide blocks: 24 accumulators and the vectors they are multiplied by need the 32
   * vector registers of AVX-512 (vectors of 16 floats); with AVX2's 16 (vectors of 8) they would spill, and the
   * blocks stay at twelve accumulators there. On this round's AMD Zen 5 host, whose AVX-512 units are a full 512 bits
   * wide, a block of 24 spends fewer loads and broadcasts per multiply-add: the MLP's first layer at batch 64, 142
   * -> 110-119 us forward (six samples by four vectors of outputs), its weight gradient 132 -> 111 us (six outputs by
   * four vectors of inputs), scratch harness, medians of a second's calls.
   */
  static final boolean WIDE_BLOCKS = LANES >= 16;

  private VectorDense() {}

  /**
   * Whether {@link #forward} reads {@code wt} for a layer of {@code out} outputs given the weight as it is as well;
   * else it reads only {@code w}.
   */
  static boolean readsTransposed(int out) {
    return out >= LANES;
  }

  /**
   * {@code y[n][o] = b[o] + sum over k of x[n][k] * wt[FLAT_BASE + k * out + o]}, {@code b} null for no bias.
   * {@code w}, the same weight as it is ({@code w[o * in + k]}), or null where the caller has none: a layer with
   * fewer outputs than a vector holds runs on it ({@link #narrow}), since its transposed rows are shorter than a
   * vector.
   */
  static void forward(float[] x, float[] w, float[] wt, float[] b, float[] y, int batch, int in, int out) {
    forward(x, w, wt, FLAT_BASE, b, y, batch, in, out);
  }

  /**
   * {@link #forward(float[], float[], float[], float[], float[], int, int, int)} with {@code wt}'s values from index
   * {@code base}: 0 where {@code wt} is another array laid out the same way, as the weight as it is is for the input
   * gradient ({@link VectorBackend#denseBackward}).
   */
  static void forward(float[] x, float[] w, float[] wt, int base, float[] b, float[] y, int batch, int in,
      int out) {
    if (b == null) {
      b = zeros(out);
    }
    if (!readsTransposed(out)) {
      if (w != null) {
        narrow(x, w, b, y, batch, in, out);
      } else {
        scalar(x, wt, base, b, y, batch, in, out);
      }
      return;
    }
    forwardOutputs(x, wt, base, b, y, batch, in, out, 0, out);
  }

  /**
   * {@link #forward} for outputs {@code from..to-1} only, of every sample: what one thread computes when training
   * splits a layer by its outputs. {@code y} keeps its whole rows ({@code out} floats a sample); the other outputs
   * are left as they were. Each output's sum goes in the same order as in {@link #forward}, so the values are the
   * same bits. {@code w}, the weight as it is, is read only for a range narrower than a vector.
   */
  static void forwardPart(float[] x, float[] w, float[] wt, float[] b, float[] y, int batch, int in, int out,
      int from, int to) {
    int base = FLAT_BASE;
    if (b == null) {
      b = zeros(out);
    }
    if (!readsTransposed(out) || to - from < LANES) {
      // Not a case the trainer splits (it splits layers of at least 64 outputs into at least 32 each); kept correct.
      for (int n = 0; n < batch; n++) {
        for (int o = from; o < to; o++) {
          float sum = b[o];
          for (int k = 0; k < in; k++) {
            sum = Math.fma(x[n * in + k], w[o * in + k], sum);
          }
          y[n * out + o] = sum;
        }
      }
      return;
    }
    forwardOutputs(x, wt, base, b, y, batch, in, out, from, to);
  }

  /**
   * The sums of {@link #forward} over inputs {@code from..to-1} only, every output of every sample: what one thread
   * computes when inference splits a layer by its inputs ({@code Model.splitForwardInputs}). {@code b} is added
   * where not null (one share of the split carries the bias), else the sums start from zero. Each sample goes alone
   * through the one-sample blocks, whose multiply-adds keep their accumulators in registers over the range; the
   * split serves batches too small to share out by samples, where the blocks of six would not fill.
   */
  static void forwardInputs(float[] x, float[] w, float[] wt, float[] b, float[] y, int batch, int in, int out,
      int from, int to) {
    int base = FLAT_BASE;
    if (b == null) {
      b = zeros(out);
    }
    if (!readsTransposed(out)) {
      // Not a layer the split is offered for (it needs at least 64 outputs); kept correct.
      for (int n = 0; n < batch; n++) {
        for (int o = 0; o < out; o++) {
          float sum = b[o];
          for (int k = from; k < to; k++) {
            sum = Math.fma(x[n * in + k], w[o * in + k], sum);
          }
          y[n * out + o] = sum;
        }
      }
      return;
    }
    fewSamples(x, wt, base, b, y, batch, in, out, 0, out, from, to);
  }

  /** {@link #forward}'s blocks over outputs {@code from..to-1}, a range at least a vector wide. */
  private static void forwardOutputs(float[] x, float[] wt, int base, float[] b, float[] y, int batch, int in, int out,
      int from, int to) {
    if (batch < ROWS) {
      fewSamples(x, wt, base, b, y, batch, in, out, from, to, 0, in);
      return;
    }
    // Blocks that do not divide the outputs or samples are moved back to end at the last one, overlapping the block
    // before: the overlapped sums are computed again in the same order, so they come out bit-identical. (Measured
    // on the MLP's first layer at batch 64: the four samples left over from blocks of six, one at a time, cost
    // more than a tenth of the layer.) Every block sums each output in the same order, so the block's shape does
    // not change the bits either.
    int vectors = blockVectors(batch, to - from);
    int rows = vectors == 3 ? 8 : ROWS;
    int width = vectors * LANES;
    for (int o = from; ; o += width) {
      int ob = Math.min(o, to - width);
      for (int n = 0; ; n += rows) {
        int nb = Math.min(n, batch - rows);
        switch (vectors) {
          case 4:
            sixByFour(x, wt, base, b, y, nb, ob, in, out);
            break;
          case 3:
            eightByThree(x, wt, base, b, y, nb, ob, in, out);
            break;
          case 2:
            sixByTwo(x, wt, base, b, y, nb, ob, in, out);
            break;
          default:
            sixByOne(x, wt, base, b, y, nb, ob, in, out);
        }
        if (n + rows >= batch) {
          break;
        }
      }
      if (o + width >= to) {
        break;
      }
    }
  }

  /**
   * The forward block for a batch of at least six samples and a layer at least a vector wide, as its vectors of
   * outputs: 4 (six samples by four vectors), 3 (eight samples by three), 2 or 1 (six samples by two or one). The
   * wide blocks (see {@link #WIDE_BLOCKS}) are chosen by the products they compute, overlaps included, with the
   * twelve-accumulator block's counted at 6/5 (it ran at 180 against 210-230 GFLOP/s, scratch harness): for the
   * MLP's 784 x 256 layer at batch 64 six by four, for its input gradient (256 x 784: 816 outputs in blocks of 48
   * against 832 in blocks of 64) and for LeNet-5's 84 outputs (96 against 128) eight by three, where it measured
   * 116-118 against 130 us and 6.1 against 7.9 us.
   */
  static int blockVectors(int batch, int out) {
    int vectors = out >= 2 * LANES ? 2 : 1;
    if (!WIDE_BLOCKS || vectors == 1) {
      return vectors;
    }
    long best = products(batch, out, ROWS, 2) * 6 / 5;
    if (out >= 4 * LANES) {
      long cost = products(batch, out, ROWS, 4);
      if (cost <= best) {
        vectors = 4;
        best = cost;
      }
    }
    if (out >= 3 * LANES && batch >= 8 && products(batch, out, 8, 3) < best) {
      vectors = 3;
    }
    return vectors;
  }

  /**
   * The products that blocks of {@code rows} rows (samples here, filters in {@link VectorConv}) by {@code vectors}
   * vectors compute over {@code count} rows and {@code len} lanes (outputs, positions), overlapping blocks included.
   */
  static long products(int count, int len, int rows, int vectors) {
    int width = vectors * LANES;
    return (long) ((count + rows - 1) / rows * rows) * ((len + width - 1) / width * width);
  }

  /**
   * Fewer samples than a block of six (a batch of one above all): each sample alone, four vectors of outputs at a
   * time, so that four chains of multiply-adds run at once (two vectors wait on the multiply-add's latency: a chain
   * of {@code in} dependent steps per pair), then the outputs left over as in the blocks of six. Every sample's sums
   * go in the same order as in those blocks, so a sample gets the same bits alone as in any batch. The sums run over
   * inputs {@code k0..k1-1} ({@code 0..in} but for {@link #forwardInputs}).
   */
  private static void fewSamples(float[] x, float[] wt, int base, float[] b, float[] y, int batch, int in, int out,
      int from, int to, int k0, int k1) {
    for (int n = 0; n < batch; n++) {
      int o = from;
      if (WIDE_BLOCKS) {
        // Sixteen or eight vectors of outputs a pass: the MLP's first layer (256 outputs) then streams its weight
        // row by row, front to back (784 x 256 at batch 1: 8.0 -> 6.7-7.0 us, scratch harness). More than seven
        // vectors left take one pass of eight, the last moved back to end at the last output (it computes some
        // sums again, in the same order, so they come out the same bits): LeNet-5's 400 x 120 layer at batch 1 was
        // three passes (four vectors, two, two) and took 1.60-1.74 us, and takes 1.29-1.36 us in one (scratch
        // harness, three JVMs each).
        for (; o + 16 * LANES <= to; o += 16 * LANES) {
          oneBySixteen(x, wt, base, b, y, n, o, in, out, k0, k1);
        }
        for (; to - o > 7 * LANES; o += 8 * LANES) {
          oneByEight(x, wt, base, b, y, n, o, in, out, to, k0, k1);
        }
      }
      for (; o + 4 * LANES <= to; o += 4 * LANES) {
        oneByFour(x, wt, base, b, y, n, o, in, out, k0, k1);
      }
      // The rest, fewer than four vectors: pairs (or single vectors, if the layer is narrower than a pair), the last
      // moved back to overlap the one before (same sums again, same bits).
      int width = to - from >= 2 * LANES ? 2 * LANES : LANES;
      for (; o < to; o += width) {
        int ob = Math.min(o, to - width);
        if (width == 2 * LANES) {
          oneByTwo(x, wt, base, b, y, n, ob, in, out, k0, k1);
        } else {
          oneByOne(x, wt, base, b, y, n, ob, in, out, k0, k1);
        }
      }
    }
  }

  /** Sample n, outputs o..o+4*LANES-1. */
  private static void oneByFour(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out,
      int k0, int k1) {
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + LANES));
    FloatVector a2 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 2 * LANES));
    FloatVector a3 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 3 * LANES));
    int x0 = n * in;
    for (int k = k0, w = base + k0 * out + o; k < k1; k++, w += out) {
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k]));
      a0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w)).fma(v, a0);
      a1 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + LANES)).fma(v, a1);
      a2 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 2 * LANES)).fma(v, a2);
      a3 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 3 * LANES)).fma(v, a3);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + LANES);
    EXACT.cast(a2).intoArray(y, y0 + 2 * LANES);
    EXACT.cast(a3).intoArray(y, y0 + 3 * LANES);
  }

  /**
   * Fewer outputs than a vector holds (a 10-class output layer once vectors hold 16 floats): each sample's outputs
   * summed in place, input by input, so that the outputs' fused multiply-adds are independent of each other. (Each
   * output's own chain of {@code in} dependent multiply-adds, one output at a time, ran at the adds' latency: 96 µs
   * against 52 µs for a 128 x 10 layer at batch 64, in the same order, so with bit-identical results.)
   */
  private static void scalar(float[] x, float[] wt, int base, float[] b, float[] y, int batch, int in, int out) {
    for (int n = 0; n < batch; n++) {
      int x0 = n * in;
      int y0 = n * out;
      for (int o = 0; o < out; o++) {
        y[y0 + o] = b[o];
      }
      for (int k = 0, w = base; k < in; k++, w += out) {
        float v = x[x0 + k];
        for (int o = 0; o < out; o++) {
          y[y0 + o] = Math.fma(v, wt[w + o], y[y0 + o]);
        }
      }
    }
  }

  /**
   * Fewer outputs than a vector holds, on the weight as it is: dot products with vectors along the inputs, four
   * samples by four outputs in sixteen registers, each lane sum reduced once at the end, then the inputs left over
   * from whole vectors one by one. (The 10-class output layer of the MLP, 128 inputs at batch 64: 58 µs on the
   * per-sample loop of {@link #scalar}, 4.8 µs here, scratch harness.) Blocks that do not divide the samples or
   * outputs overlap the block before, as in {@link #forward}; fewer than four of either go one dot product at a time.
   */
  private static void narrow(float[] x, float[] w, float[] b, float[] y, int batch, int in, int out) {
    if (batch < DOT_BLOCK || out < DOT_BLOCK) {
      for (int n = 0; n < batch; n++) {
        for (int o = 0; o < out; o++) {
          y[n * out + o] = dot(x, n * in, w, o * in, in) + b[o];
        }
      }
      return;
    }
    for (int o = 0; ; o += DOT_BLOCK) {
      int ob = Math.min(o, out - DOT_BLOCK);
      for (int n = 0; ; n += DOT_BLOCK) {
        dotFourByFour(x, w, b, y, Math.min(n, batch - DOT_BLOCK), ob, in, out);
        if (n + DOT_BLOCK >= batch) {
          break;
        }
      }
      if (o + DOT_BLOCK >= out) {
        break;
      }
    }
  }

  /** {@code sum over k < in of x[xo + k] * w[wo + k]}: whole vectors, their lanes summed, then the rest in order. */
  private static float dot(float[] x, int xo, float[] w, int wo, int in) {
    int whole = in - in % LANES;
    FloatVector acc = EXACT.cast(FloatVector.zero(SPECIES));
    for (int k = 0; k < whole; k += LANES) {
      acc = EXACT.cast(FloatVector.fromArray(SPECIES, x, xo + k))
          .fma(EXACT.cast(FloatVector.fromArray(SPECIES, w, wo + k)), acc);
    }
    float sum = EXACT.cast(acc).reduceLanes(VectorOperators.ADD);
    for (int k = whole; k < in; k++) {
      sum = Math.fma(x[xo + k], w[wo + k], sum);
    }
    return sum;
  }

  /** Samples n..n+3, outputs o..o+3, on the weight as it is. */
  private static void dotFourByFour(float[] x, float[] w, float[] b, float[] y, int n, int o, int in, int out) {
    FloatVector z = EXACT.cast(FloatVector.zero(SPECIES));
    FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
    FloatVector c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
    int x0 = n * in;
    int w0 = o * in;
    int whole = in - in % LANES;
    for (int k = 0; k < whole; k += LANES) {
      FloatVector u0 = EXACT.cast(FloatVector.fromArray(SPECIES, w, w0 + k));
      FloatVector u1 = EXACT.cast(FloatVector.fromArray(SPECIES, w, w0 + in + k));
      FloatVector u2 = EXACT.cast(FloatVector.fromArray(SPECIES, w, w0 + 2 * in + k));
      FloatVector u3 = EXACT.cast(FloatVector.fromArray(SPECIES, w, w0 + 3 * in + k));
      FloatVector v = EXACT.cast(FloatVector.fromArray(SPECIES, x, x0 + k));
      a0 = v.fma(u0, a0);
      a1 = v.fma(u1, a1);
      a2 = v.fma(u2, a2);
      a3 = v.fma(u3, a3);
      v = EXACT.cast(FloatVector.fromArray(SPECIES, x, x0 + in + k));
      b0 = v.fma(u0, b0);
      b1 = v.fma(u1, b1);
      b2 = v.fma(u2, b2);
      b3 = v.fma(u3, b3);
      v = EXACT.cast(FloatVector.fromArray(SPECIES, x, x0 + 2 * in + k));
      c0 = v.fma(u0, c0);
      c1 = v.fma(u1, c1);
      c2 = v.fma(u2, c2);
      c3 = v.fma(u3, c3);
      v = EXACT.cast(FloatVector.fromArray(SPECIES, x, x0 + 3 * in + k));
      d0 = v.fma(u0, d0);
      d1 = v.fma(u1, d1);
      d2 = v.fma(u2, d2);
      d3 = v.fma(u3, d3);
    }
    finishDot(x, w, b, y, n, o, in, out, whole, EXACT.cast(a0).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n, o + 1, in, out, whole, EXACT.cast(a1).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n, o + 2, in, out, whole, EXACT.cast(a2).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n, o + 3, in, out, whole, EXACT.cast(a3).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 1, o, in, out, whole, EXACT.cast(b0).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 1, o + 1, in, out, whole, EXACT.cast(b1).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 1, o + 2, in, out, whole, EXACT.cast(b2).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 1, o + 3, in, out, whole, EXACT.cast(b3).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 2, o, in, out, whole, EXACT.cast(c0).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 2, o + 1, in, out, whole, EXACT.cast(c1).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 2, o + 2, in, out, whole, EXACT.cast(c2).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 2, o + 3, in, out, whole, EXACT.cast(c3).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 3, o, in, out, whole, EXACT.cast(d0).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 3, o + 1, in, out, whole, EXACT.cast(d1).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 3, o + 2, in, out, whole, EXACT.cast(d2).reduceLanes(VectorOperators.ADD));
    finishDot(x, w, b, y, n + 3, o + 3, in, out, whole, EXACT.cast(d3).reduceLanes(VectorOperators.ADD));
  }

  /**
   * Sample n's output o from the sum of its lanes: the inputs from {@code whole} on, then the bias. (Lane sums go in
   * as floats: a vector passed to a method C2 does not inline would become an object.)
   */
  private static void finishDot(float[] x, float[] w, float[] b, float[] y, int n, int o, int in, int out,
      int whole, float laneSum) {
    float sum = laneSum;
    for (int k = whole, xk = n * in + whole, wk = o * in + whole; k < in; k++, xk++, wk++) {
      sum = Math.fma(x[xk], w[wk], sum);
    }
    y[n * out + o] = sum + b[o];
  }

  /**
   * Zeros for a layer without bias, at least {@code count} of them: every path starts from a bias array. (With the
   * choice between a zero vector and the bias inside the kernels, C2 sometimes kept the vectors as objects where it
   * inlined a kernel into the loops that call it: 2,304 bytes per call of the MLP at batch 1, in four JVMs out of
   * five, scratch harness.) Grown when a wider layer first asks, so allocation stops after the
   * first calls; any array of zeros long enough serves, so threads may race on it.
   */
  private static float[] zeros(int count) {
    float[] z = zeros;
    if (z.length < count) {
      z = new float[count];
      zeros = z;
    }
    return z;
  }

  /** Samples n..n+5, outputs o..o+2*LANES-1. */
  private static void sixByTwo(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out) {
    FloatVector lo = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector hi = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + LANES));
    FloatVector a0 = lo, a1 = hi, b0 = lo, b1 = hi, c0 = lo, c1 = hi, d0 = lo, d1 = hi, e0 = lo, e1 = hi, f0 = lo,
        f1 = hi;
    int x0 = n * in;
    for (int k = 0, w = base + o; k < in; k++, w += out) {
      FloatVector w0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w));
      FloatVector w1 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k]));
      a0 = w0.fma(v, a0);
      a1 = w1.fma(v, a1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + in + k]));
      b0 = w0.fma(v, b0);
      b1 = w1.fma(v, b1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 2 * in + k]));
      c0 = w0.fma(v, c0);
      c1 = w1.fma(v, c1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 3 * in + k]));
      d0 = w0.fma(v, d0);
      d1 = w1.fma(v, d1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 4 * in + k]));
      e0 = w0.fma(v, e0);
      e1 = w1.fma(v, e1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 5 * in + k]));
      f0 = w0.fma(v, f0);
      f1 = w1.fma(v, f1);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + LANES);
    EXACT.cast(b0).intoArray(y, y0 + out);
    EXACT.cast(b1).intoArray(y, y0 + out + LANES);
    EXACT.cast(c0).intoArray(y, y0 + 2 * out);
    EXACT.cast(c1).intoArray(y, y0 + 2 * out + LANES);
    EXACT.cast(d0).intoArray(y, y0 + 3 * out);
    EXACT.cast(d1).intoArray(y, y0 + 3 * out + LANES);
    EXACT.cast(e0).intoArray(y, y0 + 4 * out);
    EXACT.cast(e1).intoArray(y, y0 + 4 * out + LANES);
    EXACT.cast(f0).intoArray(y, y0 + 5 * out);
    EXACT.cast(f1).intoArray(y, y0 + 5 * out + LANES);
  }

  /** Samples n..n+5, outputs o..o+4*LANES-1 (24 accumulators: see {@link #WIDE_BLOCKS}). */
  private static void sixByFour(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out) {
    FloatVector bias0 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector bias1 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + LANES));
    FloatVector bias2 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 2 * LANES));
    FloatVector bias3 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 3 * LANES));
    FloatVector a0 = bias0, a1 = bias1, a2 = bias2, a3 = bias3;
    FloatVector b0 = bias0, b1 = bias1, b2 = bias2, b3 = bias3;
    FloatVector c0 = bias0, c1 = bias1, c2 = bias2, c3 = bias3;
    FloatVector d0 = bias0, d1 = bias1, d2 = bias2, d3 = bias3;
    FloatVector e0 = bias0, e1 = bias1, e2 = bias2, e3 = bias3;
    FloatVector f0 = bias0, f1 = bias1, f2 = bias2, f3 = bias3;
    int x0 = n * in;
    for (int k = 0, w = base + o; k < in; k++, w += out) {
      FloatVector w0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w));
      FloatVector w1 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + LANES));
      FloatVector w2 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 2 * LANES));
      FloatVector w3 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 3 * LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k]));
      a0 = w0.fma(v, a0);
      a1 = w1.fma(v, a1);
      a2 = w2.fma(v, a2);
      a3 = w3.fma(v, a3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + in + k]));
      b0 = w0.fma(v, b0);
      b1 = w1.fma(v, b1);
      b2 = w2.fma(v, b2);
      b3 = w3.fma(v, b3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 2 * in + k]));
      c0 = w0.fma(v, c0);
      c1 = w1.fma(v, c1);
      c2 = w2.fma(v, c2);
      c3 = w3.fma(v, c3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 3 * in + k]));
      d0 = w0.fma(v, d0);
      d1 = w1.fma(v, d1);
      d2 = w2.fma(v, d2);
      d3 = w3.fma(v, d3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 4 * in + k]));
      e0 = w0.fma(v, e0);
      e1 = w1.fma(v, e1);
      e2 = w2.fma(v, e2);
      e3 = w3.fma(v, e3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 5 * in + k]));
      f0 = w0.fma(v, f0);
      f1 = w1.fma(v, f1);
      f2 = w2.fma(v, f2);
      f3 = w3.fma(v, f3);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + LANES);
    EXACT.cast(a2).intoArray(y, y0 + 2 * LANES);
    EXACT.cast(a3).intoArray(y, y0 + 3 * LANES);
    EXACT.cast(b0).intoArray(y, y0 + out);
    EXACT.cast(b1).intoArray(y, y0 + out + LANES);
    EXACT.cast(b2).intoArray(y, y0 + out + 2 * LANES);
    EXACT.cast(b3).intoArray(y, y0 + out + 3 * LANES);
    EXACT.cast(c0).intoArray(y, y0 + 2 * out);
    EXACT.cast(c1).intoArray(y, y0 + 2 * out + LANES);
    EXACT.cast(c2).intoArray(y, y0 + 2 * out + 2 * LANES);
    EXACT.cast(c3).intoArray(y, y0 + 2 * out + 3 * LANES);
    EXACT.cast(d0).intoArray(y, y0 + 3 * out);
    EXACT.cast(d1).intoArray(y, y0 + 3 * out + LANES);
    EXACT.cast(d2).intoArray(y, y0 + 3 * out + 2 * LANES);
    EXACT.cast(d3).intoArray(y, y0 + 3 * out + 3 * LANES);
    EXACT.cast(e0).intoArray(y, y0 + 4 * out);
    EXACT.cast(e1).intoArray(y, y0 + 4 * out + LANES);
    EXACT.cast(e2).intoArray(y, y0 + 4 * out + 2 * LANES);
    EXACT.cast(e3).intoArray(y, y0 + 4 * out + 3 * LANES);
    EXACT.cast(f0).intoArray(y, y0 + 5 * out);
    EXACT.cast(f1).intoArray(y, y0 + 5 * out + LANES);
    EXACT.cast(f2).intoArray(y, y0 + 5 * out + 2 * LANES);
    EXACT.cast(f3).intoArray(y, y0 + 5 * out + 3 * LANES);
  }

  /** Samples n..n+7, outputs o..o+3*LANES-1 (24 accumulators: see {@link #WIDE_BLOCKS}). */
  private static void eightByThree(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in,
      int out) {
    FloatVector bias0 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector bias1 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + LANES));
    FloatVector bias2 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 2 * LANES));
    FloatVector a0 = bias0, a1 = bias1, a2 = bias2;
    FloatVector b0 = bias0, b1 = bias1, b2 = bias2;
    FloatVector c0 = bias0, c1 = bias1, c2 = bias2;
    FloatVector d0 = bias0, d1 = bias1, d2 = bias2;
    FloatVector e0 = bias0, e1 = bias1, e2 = bias2;
    FloatVector f0 = bias0, f1 = bias1, f2 = bias2;
    FloatVector g0 = bias0, g1 = bias1, g2 = bias2;
    FloatVector h0 = bias0, h1 = bias1, h2 = bias2;
    int x0 = n * in;
    for (int k = 0, w = base + o; k < in; k++, w += out) {
      FloatVector w0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w));
      FloatVector w1 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + LANES));
      FloatVector w2 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 2 * LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k]));
      a0 = w0.fma(v, a0);
      a1 = w1.fma(v, a1);
      a2 = w2.fma(v, a2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + in + k]));
      b0 = w0.fma(v, b0);
      b1 = w1.fma(v, b1);
      b2 = w2.fma(v, b2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 2 * in + k]));
      c0 = w0.fma(v, c0);
      c1 = w1.fma(v, c1);
      c2 = w2.fma(v, c2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 3 * in + k]));
      d0 = w0.fma(v, d0);
      d1 = w1.fma(v, d1);
      d2 = w2.fma(v, d2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 4 * in + k]));
      e0 = w0.fma(v, e0);
      e1 = w1.fma(v, e1);
      e2 = w2.fma(v, e2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 5 * in + k]));
      f0 = w0.fma(v, f0);
      f1 = w1.fma(v, f1);
      f2 = w2.fma(v, f2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 6 * in + k]));
      g0 = w0.fma(v, g0);
      g1 = w1.fma(v, g1);
      g2 = w2.fma(v, g2);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 7 * in + k]));
      h0 = w0.fma(v, h0);
      h1 = w1.fma(v, h1);
      h2 = w2.fma(v, h2);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + LANES);
    EXACT.cast(a2).intoArray(y, y0 + 2 * LANES);
    EXACT.cast(b0).intoArray(y, y0 + out);
    EXACT.cast(b1).intoArray(y, y0 + out + LANES);
    EXACT.cast(b2).intoArray(y, y0 + out + 2 * LANES);
    EXACT.cast(c0).intoArray(y, y0 + 2 * out);
    EXACT.cast(c1).intoArray(y, y0 + 2 * out + LANES);
    EXACT.cast(c2).intoArray(y, y0 + 2 * out + 2 * LANES);
    EXACT.cast(d0).intoArray(y, y0 + 3 * out);
    EXACT.cast(d1).intoArray(y, y0 + 3 * out + LANES);
    EXACT.cast(d2).intoArray(y, y0 + 3 * out + 2 * LANES);
    EXACT.cast(e0).intoArray(y, y0 + 4 * out);
    EXACT.cast(e1).intoArray(y, y0 + 4 * out + LANES);
    EXACT.cast(e2).intoArray(y, y0 + 4 * out + 2 * LANES);
    EXACT.cast(f0).intoArray(y, y0 + 5 * out);
    EXACT.cast(f1).intoArray(y, y0 + 5 * out + LANES);
    EXACT.cast(f2).intoArray(y, y0 + 5 * out + 2 * LANES);
    EXACT.cast(g0).intoArray(y, y0 + 6 * out);
    EXACT.cast(g1).intoArray(y, y0 + 6 * out + LANES);
    EXACT.cast(g2).intoArray(y, y0 + 6 * out + 2 * LANES);
    EXACT.cast(h0).intoArray(y, y0 + 7 * out);
    EXACT.cast(h1).intoArray(y, y0 + 7 * out + LANES);
    EXACT.cast(h2).intoArray(y, y0 + 7 * out + 2 * LANES);
  }

  /** Sample n, outputs o..o+16*LANES-1 (see {@link #WIDE_BLOCKS}). */
  private static void oneBySixteen(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out,
      int k0, int k1) {
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + LANES));
    FloatVector a2 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 2 * LANES));
    FloatVector a3 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 3 * LANES));
    FloatVector a4 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 4 * LANES));
    FloatVector a5 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 5 * LANES));
    FloatVector a6 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 6 * LANES));
    FloatVector a7 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 7 * LANES));
    FloatVector a8 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 8 * LANES));
    FloatVector a9 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 9 * LANES));
    FloatVector a10 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 10 * LANES));
    FloatVector a11 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 11 * LANES));
    FloatVector a12 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 12 * LANES));
    FloatVector a13 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 13 * LANES));
    FloatVector a14 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 14 * LANES));
    FloatVector a15 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 15 * LANES));
    int x0 = n * in;
    for (int k = k0, w = base + k0 * out + o; k < k1; k++, w += out) {
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k]));
      a0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w)).fma(v, a0);
      a1 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + LANES)).fma(v, a1);
      a2 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 2 * LANES)).fma(v, a2);
      a3 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 3 * LANES)).fma(v, a3);
      a4 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 4 * LANES)).fma(v, a4);
      a5 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 5 * LANES)).fma(v, a5);
      a6 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 6 * LANES)).fma(v, a6);
      a7 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 7 * LANES)).fma(v, a7);
      a8 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 8 * LANES)).fma(v, a8);
      a9 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 9 * LANES)).fma(v, a9);
      a10 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 10 * LANES)).fma(v, a10);
      a11 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 11 * LANES)).fma(v, a11);
      a12 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 12 * LANES)).fma(v, a12);
      a13 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 13 * LANES)).fma(v, a13);
      a14 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 14 * LANES)).fma(v, a14);
      a15 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 15 * LANES)).fma(v, a15);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + LANES);
    EXACT.cast(a2).intoArray(y, y0 + 2 * LANES);
    EXACT.cast(a3).intoArray(y, y0 + 3 * LANES);
    EXACT.cast(a4).intoArray(y, y0 + 4 * LANES);
    EXACT.cast(a5).intoArray(y, y0 + 5 * LANES);
    EXACT.cast(a6).intoArray(y, y0 + 6 * LANES);
    EXACT.cast(a7).intoArray(y, y0 + 7 * LANES);
    EXACT.cast(a8).intoArray(y, y0 + 8 * LANES);
    EXACT.cast(a9).intoArray(y, y0 + 9 * LANES);
    EXACT.cast(a10).intoArray(y, y0 + 10 * LANES);
    EXACT.cast(a11).intoArray(y, y0 + 11 * LANES);
    EXACT.cast(a12).intoArray(y, y0 + 12 * LANES);
    EXACT.cast(a13).intoArray(y, y0 + 13 * LANES);
    EXACT.cast(a14).intoArray(y, y0 + 14 * LANES);
    EXACT.cast(a15).intoArray(y, y0 + 15 * LANES);
  }

  /**
   * Sample n, outputs o..o+8*LANES-1 (see {@link #WIDE_BLOCKS}), of which at least o..o+7*LANES are below {@code
   * end}: the last vector moves back to end at {@code end} where fewer are left. (Moving several back, every vector's
   * offset a variable of its own, was slower: a 120 x 84 layer took 302 ns in one such pass against 209 in two,
   * scratch harness.)
   */
  private static void oneByEight(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out,
      int end, int k0, int k1) {
    int last = Math.min(o + 7 * LANES, end - LANES) - o;
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + LANES));
    FloatVector a2 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 2 * LANES));
    FloatVector a3 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 3 * LANES));
    FloatVector a4 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 4 * LANES));
    FloatVector a5 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 5 * LANES));
    FloatVector a6 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + 6 * LANES));
    FloatVector a7 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + last));
    int x0 = n * in;
    for (int k = k0, w = base + k0 * out + o; k < k1; k++, w += out) {
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k]));
      a0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w)).fma(v, a0);
      a1 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + LANES)).fma(v, a1);
      a2 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 2 * LANES)).fma(v, a2);
      a3 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 3 * LANES)).fma(v, a3);
      a4 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 4 * LANES)).fma(v, a4);
      a5 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 5 * LANES)).fma(v, a5);
      a6 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + 6 * LANES)).fma(v, a6);
      a7 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + last)).fma(v, a7);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + LANES);
    EXACT.cast(a2).intoArray(y, y0 + 2 * LANES);
    EXACT.cast(a3).intoArray(y, y0 + 3 * LANES);
    EXACT.cast(a4).intoArray(y, y0 + 4 * LANES);
    EXACT.cast(a5).intoArray(y, y0 + 5 * LANES);
    EXACT.cast(a6).intoArray(y, y0 + 6 * LANES);
    EXACT.cast(a7).intoArray(y, y0 + last);
  }

  /** Sample n, outputs o..o+2*LANES-1. */
  private static void oneByTwo(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out,
      int k0, int k1) {
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, b, o + LANES));
    int x0 = n * in;
    for (int k = k0, w = base + k0 * out + o; k < k1; k++, w += out) {
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k]));
      a0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w)).fma(v, a0);
      a1 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w + LANES)).fma(v, a1);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + LANES);
  }

  /** Samples n..n+5, outputs o..o+LANES-1. */
  private static void sixByOne(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out) {
    FloatVector a = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    FloatVector a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a;
    int x0 = n * in;
    for (int k = 0, w = base + o; k < in; k++, w += out) {
      FloatVector w0 = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w));
      a0 = w0.fma(EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k])), a0);
      a1 = w0.fma(EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + in + k])), a1);
      a2 = w0.fma(EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 2 * in + k])), a2);
      a3 = w0.fma(EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 3 * in + k])), a3);
      a4 = w0.fma(EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 4 * in + k])), a4);
      a5 = w0.fma(EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + 5 * in + k])), a5);
    }
    int y0 = n * out + o;
    EXACT.cast(a0).intoArray(y, y0);
    EXACT.cast(a1).intoArray(y, y0 + out);
    EXACT.cast(a2).intoArray(y, y0 + 2 * out);
    EXACT.cast(a3).intoArray(y, y0 + 3 * out);
    EXACT.cast(a4).intoArray(y, y0 + 4 * out);
    EXACT.cast(a5).intoArray(y, y0 + 5 * out);
  }

  /** Sample n, outputs o..o+LANES-1. */
  private static void oneByOne(float[] x, float[] wt, int base, float[] b, float[] y, int n, int o, int in, int out,
      int k0, int k1) {
    FloatVector a = EXACT.cast(FloatVector.fromArray(SPECIES, b, o));
    int x0 = n * in;
    for (int k = k0, w = base + k0 * out + o; k < k1; k++, w += out) {
      a = EXACT.cast(FloatVector.fromArray(SPECIES, wt, w))
          .fma(EXACT.cast(FloatVector.broadcast(SPECIES, x[x0 + k])), a);
    }
    EXACT.cast(a).intoArray(y, n * out + o);
  }

  /**
   * {@code gw[o * in + k] += sum over n of g[n * out + o] * x[n * in + k]} and, unless {@code gb} is null, {@code
   * gb[o] += sum over n of g[n * out + o]}: a dense layer's weight and bias gradients over a batch, every product
   * (the generated loops skip the zero gradients a ReLU leaves; these blocks do each product faster than those loops
   * do half of them).
   *
   * <p>Blocks of two vectors of inputs go outermost: one block's inputs for the whole batch ({@code batch x 2 *
   * LANES} floats, 8 KB for 64 samples on AVX-512) stay in L1 while every block of six outputs passes over them. The
   * other way round, each block of outputs streamed all the inputs from L2: 54 against 94 GFLOP/s for a 784 x 256
   * layer at batch 64 (scratch harness). Unlike the forward pass, the blocks add into {@code gw}, so a block left
   * over cannot overlap the one before; outputs left over from the blocks of six go one at a time, inputs left over
   * from the pairs of vectors one vector at a time, and fewer than a vector one by one.
   */
  static void weightGradient(float[] x, float[] g, float[] gw, float[] gb, int batch, int in, int out) {
    weightGradient(x, g, gw, gb, batch, in, out, 0, out);
  }

  /**
   * {@link #weightGradient} for outputs {@code from..to-1} only: their rows of {@code gw} and entries of {@code gb},
   * what one thread adds when training splits a layer by its outputs. Each sum goes in the same order as over all
   * outputs, so the values are the same bits.
   */
  static void weightGradient(float[] x, float[] g, float[] gw, float[] gb, int batch, int in, int out, int from,
      int to) {
    if (gb != null) {
      biasGradient(g, gb, batch, out, from, to);
    }
    int sixes = to - (to - from) % OUTPUTS;
    int k = 0;
    if (WIDE_BLOCKS) {
      // Four vectors of inputs: 16 KB of them for 64 samples, still within L1.
      for (; k + 4 * LANES <= in; k += 4 * LANES) {
        for (int o = from; o < sixes; o += OUTPUTS) {
          gradientSixByFour(x, g, gw, batch, in, out, o, k);
        }
        for (int o = sixes; o < to; o++) {
          gradientOneByTwo(x, g, gw, batch, in, out, o, k);
          gradientOneByTwo(x, g, gw, batch, in, out, o, k + 2 * LANES);
        }
      }
    }
    for (; k + 2 * LANES <= in; k += 2 * LANES) {
      for (int o = from; o < sixes; o += OUTPUTS) {
        gradientSixByTwo(x, g, gw, batch, in, out, o, k);
      }
      for (int o = sixes; o < to; o++) {
        gradientOneByTwo(x, g, gw, batch, in, out, o, k);
      }
    }
    for (; k + LANES <= in; k += LANES) {
      for (int o = from; o < sixes; o += OUTPUTS) {
        gradientSixByOne(x, g, gw, batch, in, out, o, k);
      }
      for (int o = sixes; o < to; o++) {
        gradientOneByOne(x, g, gw, batch, in, out, o, k);
      }
    }
    for (; k < in; k++) {
      gradientOfInput(x, g, gw, batch, in, out, k, from, to);
    }
  }

  /**
   * {@code gb[o] += sum over n of g[n * out + o]}, each output's sum from zero in the samples' order, then added:
   * a vector of outputs at a time (lane by lane the same additions in the same order, so the same bits), the outputs
   * left over one at a time. One output at a time, each sum was a chain of dependent additions down a column of
   * {@code g}.
   */
  private static void biasGradient(float[] g, float[] gb, int batch, int out, int from, int to) {
    int o = from;
    for (; o + LANES <= to; o += LANES) {
      biasGradientBlock(g, gb, batch, out, o);
    }
    for (; o < to; o++) {
      float sum = 0f;
      for (int n = 0, at = o; n < batch; n++, at += out) {
        sum += g[at];
      }
      gb[o] += sum;
    }
  }

  /** Outputs o..o+LANES-1 of {@link #biasGradient}. */
  private static void biasGradientBlock(float[] g, float[] gb, int batch, int out, int o) {
    FloatVector sum = EXACT.cast(FloatVector.zero(SPECIES));
    for (int n = 0, at = o; n < batch; n++, at += out) {
      sum = EXACT.cast(sum).add(EXACT.cast(FloatVector.fromArray(SPECIES, g, at)));
    }
    EXACT.cast(EXACT.cast(FloatVector.fromArray(SPECIES, gb, o)).add(sum)).intoArray(gb, o);
  }

  /**
   * Input k's weight gradients, an input left over from the vectors of inputs: {@code gw[o * in + k] += sum over n
   * of g[n * out + o] * x[n * in + k]} in the samples' order, eight outputs' sums at once so that their multiply-adds
   * do not wait on each other (one output at a time, each waited on the one before: LeNet-5's 120 x 84 layer has
   * eight such inputs, 84 x 64 multiply-adds each).
   */
  private static void gradientOfInput(float[] x, float[] g, float[] gw, int batch, int in, int out, int k, int from,
      int to) {
    int o = from;
    for (; o + 8 <= to; o += 8) {
      int w = o * in + k;
      float s0 = gw[w];
      float s1 = gw[w + in];
      float s2 = gw[w + 2 * in];
      float s3 = gw[w + 3 * in];
      float s4 = gw[w + 4 * in];
      float s5 = gw[w + 5 * in];
      float s6 = gw[w + 6 * in];
      float s7 = gw[w + 7 * in];
      for (int n = 0, gn = o, xn = k; n < batch; n++, gn += out, xn += in) {
        float v = x[xn];
        s0 = Math.fma(g[gn], v, s0);
        s1 = Math.fma(g[gn + 1], v, s1);
        s2 = Math.fma(g[gn + 2], v, s2);
        s3 = Math.fma(g[gn + 3], v, s3);
        s4 = Math.fma(g[gn + 4], v, s4);
        s5 = Math.fma(g[gn + 5], v, s5);
        s6 = Math.fma(g[gn + 6], v, s6);
        s7 = Math.fma(g[gn + 7], v, s7);
      }
      gw[w] = s0;
      gw[w + in] = s1;
      gw[w + 2 * in] = s2;
      gw[w + 3 * in] = s3;
      gw[w + 4 * in] = s4;
      gw[w + 5 * in] = s5;
      gw[w + 6 * in] = s6;
      gw[w + 7 * in] = s7;
    }
    for (; o < to; o++) {
      float sum = gw[o * in + k];
      for (int n = 0; n < batch; n++) {
        sum = Math.fma(g[n * out + o], x[n * in + k], sum);
      }
      gw[o * in + k] = sum;
    }
  }

  /** Outputs o..o+5, inputs k..k+2*LANES-1. */
  private static void gradientSixByTwo(float[] x, float[] g, float[] gw, int batch, int in, int out, int o, int k) {
    int w0 = o * in + k;
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + LANES));
    FloatVector b0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + in));
    FloatVector b1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + in + LANES));
    FloatVector c0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * in));
    FloatVector c1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * in + LANES));
    FloatVector d0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * in));
    FloatVector d1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * in + LANES));
    FloatVector e0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 4 * in));
    FloatVector e1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 4 * in + LANES));
    FloatVector f0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 5 * in));
    FloatVector f1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 5 * in + LANES));
    for (int n = 0, xn = k, gn = o; n < batch; n++, xn += in, gn += out) {
      FloatVector u0 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn));
      FloatVector u1 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn + LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn]));
      a0 = u0.fma(v, a0);
      a1 = u1.fma(v, a1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 1]));
      b0 = u0.fma(v, b0);
      b1 = u1.fma(v, b1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 2]));
      c0 = u0.fma(v, c0);
      c1 = u1.fma(v, c1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 3]));
      d0 = u0.fma(v, d0);
      d1 = u1.fma(v, d1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 4]));
      e0 = u0.fma(v, e0);
      e1 = u1.fma(v, e1);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 5]));
      f0 = u0.fma(v, f0);
      f1 = u1.fma(v, f1);
    }
    EXACT.cast(a0).intoArray(gw, w0);
    EXACT.cast(a1).intoArray(gw, w0 + LANES);
    EXACT.cast(b0).intoArray(gw, w0 + in);
    EXACT.cast(b1).intoArray(gw, w0 + in + LANES);
    EXACT.cast(c0).intoArray(gw, w0 + 2 * in);
    EXACT.cast(c1).intoArray(gw, w0 + 2 * in + LANES);
    EXACT.cast(d0).intoArray(gw, w0 + 3 * in);
    EXACT.cast(d1).intoArray(gw, w0 + 3 * in + LANES);
    EXACT.cast(e0).intoArray(gw, w0 + 4 * in);
    EXACT.cast(e1).intoArray(gw, w0 + 4 * in + LANES);
    EXACT.cast(f0).intoArray(gw, w0 + 5 * in);
    EXACT.cast(f1).intoArray(gw, w0 + 5 * in + LANES);
  }

  /** Outputs o..o+5, inputs k..k+4*LANES-1 (24 accumulators: see {@link #WIDE_BLOCKS}). */
  private static void gradientSixByFour(float[] x, float[] g, float[] gw, int batch, int in, int out, int o, int k) {
    int w0 = o * in + k;
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + LANES));
    FloatVector a2 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * LANES));
    FloatVector a3 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * LANES));
    FloatVector b0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + in));
    FloatVector b1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + in + LANES));
    FloatVector b2 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + in + 2 * LANES));
    FloatVector b3 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + in + 3 * LANES));
    FloatVector c0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * in));
    FloatVector c1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * in + LANES));
    FloatVector c2 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * in + 2 * LANES));
    FloatVector c3 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * in + 3 * LANES));
    FloatVector d0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * in));
    FloatVector d1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * in + LANES));
    FloatVector d2 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * in + 2 * LANES));
    FloatVector d3 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * in + 3 * LANES));
    FloatVector e0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 4 * in));
    FloatVector e1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 4 * in + LANES));
    FloatVector e2 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 4 * in + 2 * LANES));
    FloatVector e3 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 4 * in + 3 * LANES));
    FloatVector f0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 5 * in));
    FloatVector f1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 5 * in + LANES));
    FloatVector f2 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 5 * in + 2 * LANES));
    FloatVector f3 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 5 * in + 3 * LANES));
    for (int n = 0, xn = k, gn = o; n < batch; n++, xn += in, gn += out) {
      FloatVector u0 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn));
      FloatVector u1 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn + LANES));
      FloatVector u2 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn + 2 * LANES));
      FloatVector u3 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn + 3 * LANES));
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn]));
      a0 = u0.fma(v, a0);
      a1 = u1.fma(v, a1);
      a2 = u2.fma(v, a2);
      a3 = u3.fma(v, a3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 1]));
      b0 = u0.fma(v, b0);
      b1 = u1.fma(v, b1);
      b2 = u2.fma(v, b2);
      b3 = u3.fma(v, b3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 2]));
      c0 = u0.fma(v, c0);
      c1 = u1.fma(v, c1);
      c2 = u2.fma(v, c2);
      c3 = u3.fma(v, c3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 3]));
      d0 = u0.fma(v, d0);
      d1 = u1.fma(v, d1);
      d2 = u2.fma(v, d2);
      d3 = u3.fma(v, d3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 4]));
      e0 = u0.fma(v, e0);
      e1 = u1.fma(v, e1);
      e2 = u2.fma(v, e2);
      e3 = u3.fma(v, e3);
      v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 5]));
      f0 = u0.fma(v, f0);
      f1 = u1.fma(v, f1);
      f2 = u2.fma(v, f2);
      f3 = u3.fma(v, f3);
    }
    EXACT.cast(a0).intoArray(gw, w0);
    EXACT.cast(a1).intoArray(gw, w0 + LANES);
    EXACT.cast(a2).intoArray(gw, w0 + 2 * LANES);
    EXACT.cast(a3).intoArray(gw, w0 + 3 * LANES);
    EXACT.cast(b0).intoArray(gw, w0 + in);
    EXACT.cast(b1).intoArray(gw, w0 + in + LANES);
    EXACT.cast(b2).intoArray(gw, w0 + in + 2 * LANES);
    EXACT.cast(b3).intoArray(gw, w0 + in + 3 * LANES);
    EXACT.cast(c0).intoArray(gw, w0 + 2 * in);
    EXACT.cast(c1).intoArray(gw, w0 + 2 * in + LANES);
    EXACT.cast(c2).intoArray(gw, w0 + 2 * in + 2 * LANES);
    EXACT.cast(c3).intoArray(gw, w0 + 2 * in + 3 * LANES);
    EXACT.cast(d0).intoArray(gw, w0 + 3 * in);
    EXACT.cast(d1).intoArray(gw, w0 + 3 * in + LANES);
    EXACT.cast(d2).intoArray(gw, w0 + 3 * in + 2 * LANES);
    EXACT.cast(d3).intoArray(gw, w0 + 3 * in + 3 * LANES);
    EXACT.cast(e0).intoArray(gw, w0 + 4 * in);
    EXACT.cast(e1).intoArray(gw, w0 + 4 * in + LANES);
    EXACT.cast(e2).intoArray(gw, w0 + 4 * in + 2 * LANES);
    EXACT.cast(e3).intoArray(gw, w0 + 4 * in + 3 * LANES);
    EXACT.cast(f0).intoArray(gw, w0 + 5 * in);
    EXACT.cast(f1).intoArray(gw, w0 + 5 * in + LANES);
    EXACT.cast(f2).intoArray(gw, w0 + 5 * in + 2 * LANES);
    EXACT.cast(f3).intoArray(gw, w0 + 5 * in + 3 * LANES);
  }

  /** Output o, inputs k..k+2*LANES-1: the outputs left over after the blocks of six. */
  private static void gradientOneByTwo(float[] x, float[] g, float[] gw, int batch, int in, int out, int o, int k) {
    int w0 = o * in + k;
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + LANES));
    for (int n = 0, xn = k, gn = o; n < batch; n++, xn += in, gn += out) {
      FloatVector v = EXACT.cast(FloatVector.broadcast(SPECIES, g[gn]));
      a0 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn)).fma(v, a0);
      a1 = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn + LANES)).fma(v, a1);
    }
    EXACT.cast(a0).intoArray(gw, w0);
    EXACT.cast(a1).intoArray(gw, w0 + LANES);
  }

  /** Outputs o..o+5, inputs k..k+LANES-1. */
  private static void gradientSixByOne(float[] x, float[] g, float[] gw, int batch, int in, int out, int o, int k) {
    int w0 = o * in + k;
    FloatVector a0 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0));
    FloatVector a1 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + in));
    FloatVector a2 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 2 * in));
    FloatVector a3 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 3 * in));
    FloatVector a4 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 4 * in));
    FloatVector a5 = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0 + 5 * in));
    for (int n = 0, xn = k, gn = o; n < batch; n++, xn += in, gn += out) {
      FloatVector u = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn));
      a0 = u.fma(EXACT.cast(FloatVector.broadcast(SPECIES, g[gn])), a0);
      a1 = u.fma(EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 1])), a1);
      a2 = u.fma(EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 2])), a2);
      a3 = u.fma(EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 3])), a3);
      a4 = u.fma(EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 4])), a4);
      a5 = u.fma(EXACT.cast(FloatVector.broadcast(SPECIES, g[gn + 5])), a5);
    }
    EXACT.cast(a0).intoArray(gw, w0);
    EXACT.cast(a1).intoArray(gw, w0 + in);
    EXACT.cast(a2).intoArray(gw, w0 + 2 * in);
    EXACT.cast(a3).intoArray(gw, w0 + 3 * in);
    EXACT.cast(a4).intoArray(gw, w0 + 4 * in);
    EXACT.cast(a5).intoArray(gw, w0 + 5 * in);
  }

  /** Output o, inputs k..k+LANES-1. */
  private static void gradientOneByOne(float[] x, float[] g, float[] gw, int batch, int in, int out, int o, int k) {
    int w0 = o * in + k;
    FloatVector a = EXACT.cast(FloatVector.fromArray(SPECIES, gw, w0));
    for (int n = 0, xn = k, gn = o; n < batch; n++, xn += in, gn += out) {
      a = EXACT.cast(FloatVector.fromArray(SPECIES, x, xn)).fma(EXACT.cast(FloatVector.broadcast(SPECIES, g[gn])), a);
    }
    EXACT.cast(a).intoArray(gw, w0);
  }
}
