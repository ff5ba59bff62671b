package dev.kiln.benchmarks;

import static dev.kiln.runtime.kernel.MultiplyAdd.madd;

import dev.kiln.runtime.kernel.AlignedArena;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Loop shapes the default build's convolutions chose between, timed side by side in one JVM: the figures {@code
 * docs/performance.md} quotes as this tool's, which decide what the processor generates. C2 (JDK 17) vectorises some
 * shapes and silently not others, so each comparison is a shape as generated against the one it replaced, on LeNet-5's
 * sizes. Not a JMH benchmark (the shapes are copies of generated code, not Kiln's API): each round times every shape
 * in turn for about a tenth of a second, and the tool prints each shape's median over the rounds.
 *
 * <ul>
 *   <li>{@code taps}: a convolution's four filters summed in the aligned arena, three column rows a pass, with the
 *       filters' weights copied into the arena over a list of taps (the dense layers' group passes) or read straight
 *       from the weight at indices that follow the pass's counter ({@code ConvCode.tapPassesMethods}); LeNet-5's
 *       second convolution, 16 filters of 150 taps, over one sample's 100 positions and four samples' 400.
 *   <li>{@code pool}: the 2x2 max pool of a 28x28 plane (LeNet-5's first): over the windows in the usual order, two
 *       strides of two; over the positions in quadrant order ({@code LayerPlan.quadrantOrder}), the four corners'
 *       blocks copied into rows of their own first ({@code conv1Pool}); and the same blocks read at four offsets of
 *       the one array, which C2 leaves scalar.
 *   <li>{@code slots}: three column rows into three to six slots of the arena (three filters at a time, or more),
 *       over 400 positions; C2 vectorises all six, and with 16 vector registers (AVX2) the wider ones spill
 *       (three column rows and the weights of four or more filters want more than 16 registers); one and two
 *       slots load each column row for fewer filters.
 *   <li>{@code rows a pass}: three slots with three column rows a pass against four, the same products in the same
 *       order; C2 (JDK 17) leaves the four-row pass scalar (and five or six rows, scratch harness).
 *   <li>{@code columns}: LeNet-5's second convolution's im2col columns in quadrant order for a group of four samples
 *       side by side, built sample by sample ({@code conv2QuadrantColumns} four times) or for the group at once with
 *       the samples side by side within each quadrant ({@code conv2GroupColumns}); the two layouts hold the same
 *       values, checked position by position.
 *   <li>{@code offsets}: where the rows a pass reads may lie, for a layout whose taps would read one copy of the image
 *       at offsets fixed per tap instead of im2col columns ("tap planes", {@code docs/performance.md}): three rows
 *       into three slots over a 224-position quadrant, the rows as separate arrays read at the stores' offset (the
 *       columns' form) or 256 further on, or inside the arena itself at one offset, at three falling offsets, or at
 *       three rising ones, which C2 leaves scalar. The rows hold equal values, so every shape gives the same bits.
 * </ul>
 *
 * <p>Usage, after {@code mvn -Ppeers -pl benchmarks -am package}: {@code java -cp
 * benchmarks/target/kiln-benchmarks.jar dev.kiln.benchmarks.KernelShapes [ROUNDS]} (default 9). Every pair of shapes
 * is checked to give the same bits before it is timed.
 */
public final class KernelShapes {
  private static final int TAPS = 150;
  private static final int FILTERS = 16;
  /** Filters the {@code slots} shapes sum: a multiple of four, five and six. */
  private static final int SLOT_FILTERS = 60;
  private static final int START = AlignedArena.FIRST;
  private static final long BURST_NANOS = 100_000_000L;
  /** One sample's input to LeNet-5's second convolution: 6 channels of 14 x 14. */
  private static final int IMAGE = 6 * 196;

  private KernelShapes() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    SplittableRandom random = new SplittableRandom(7);
    float[] arena = AlignedArena.allocate(1 << 16);
    float[][] columns = new float[TAPS][START + 401 + 20];
    for (float[] row : columns) {
      fill(row, random);
    }
    float[] weights = new float[FILTERS * TAPS];
    fill(weights, random);
    int[] tapOrder = new int[TAPS];
    Arrays.setAll(tapOrder, i -> i);

    check(() -> copiedFilters100(weights, columns, arena, tapOrder), () -> directFilters100(weights, columns, arena),
        arena, 4 * 128);
    check(() -> copiedFilters400(weights, columns, arena, tapOrder), () -> directFilters400(weights, columns, arena),
        arena, 4 * 416);
    report("taps, 100 positions (ns for 16 filters)", rounds,
        new String[] {"weights copied into the arena", "weights read from the weight"},
        () -> copiedFilters100(weights, columns, arena, tapOrder), () -> directFilters100(weights, columns, arena));
    report("taps, 400 positions (ns for 16 filters)", rounds,
        new String[] {"weights copied into the arena", "weights read from the weight"},
        () -> copiedFilters400(weights, columns, arena, tapOrder), () -> directFilters400(weights, columns, arena));

    int planes = 6;
    float[] natural = new float[planes * 784];
    for (int i = 0; i < natural.length; i++) {
      natural[i] = Math.max(0f, (float) random.nextDouble() - 0.3f);
    }
    float[] quadrants = toQuadrants(natural, planes);
    float[][] corners = new float[5][196];
    float[] pooledNatural = new float[planes * 196];
    float[] pooledQuadrants = new float[planes * 196];
    float[] pooledOffsets = new float[planes * 196];
    poolNatural(natural, planes, pooledNatural);
    poolQuadrants(quadrants, planes, pooledQuadrants, corners);
    poolQuadrantOffsets(quadrants, planes, pooledOffsets);
    if (!Arrays.equals(pooledNatural, pooledQuadrants) || !Arrays.equals(pooledNatural, pooledOffsets)) {
      throw new AssertionError("the pools differ");
    }
    report("pool, 28x28 plane (ns for 6 planes)", rounds,
        new String[] {"windows in the usual order", "quadrant blocks copied into rows", "quadrant blocks, one array"},
        () -> poolNatural(natural, planes, pooledNatural),
        () -> poolQuadrants(quadrants, planes, pooledQuadrants, corners),
        () -> poolQuadrantOffsets(quadrants, planes, pooledOffsets));

    float[] images = new float[4 * IMAGE];
    fill(images, random);
    float[][] bySample = dev.kiln.runtime.kernel.Packing.rows(TAPS, 412);
    float[][] byGroup = dev.kiln.runtime.kernel.Packing.rows(TAPS, 412);
    sampleColumns(images, bySample);
    groupColumns(images, byGroup);
    for (int t = 0; t < TAPS; t++) {
      for (int n = 0; n < 4; n++) {
        for (int q = 0; q < 4; q++) {
          for (int w = 0; w < 25; w++) {
            if (bySample[t][START + n * 100 + q * 25 + w] != byGroup[t][START + q * 100 + n * 25 + w]) {
              throw new AssertionError("the column layouts differ at tap " + t);
            }
          }
        }
      }
    }
    report("columns, four samples (ns for the group)", rounds,
        new String[] {"sample by sample", "the group at once"},
        () -> sampleColumns(images, bySample), () -> groupColumns(images, byGroup));

    float[] sixty = new float[SLOT_FILTERS * TAPS];
    fill(sixty, random);
    report("slots, 400 positions (ns for 60 filters)", rounds,
        new String[] {"one slot", "two slots", "three slots", "four slots", "five slots", "six slots"},
        () -> oneSlot(sixty, columns, arena), () -> twoSlots(sixty, columns, arena),
        () -> threeSlots(sixty, columns, arena), () -> fourSlots(sixty, columns, arena), () -> fiveSlots(sixty, columns, arena),
        () -> sixSlots(sixty, columns, arena));

    // rows: the same products in the same order (each slot's chain runs tap by tap), three or four column rows a pass.
    check(() -> rowsAPass(sixty, columns, arena, 3), () -> rowsAPass(sixty, columns, arena, 4), arena, 3 * 416);
    report("rows a pass, three slots over 400 positions (ns for 60 filters, 144 taps)", rounds,
        new String[] {"three rows a pass", "four rows a pass"},
        () -> rowsAPass(sixty, columns, arena, 3), () -> rowsAPass(sixty, columns, arena, 4));

    // offsets: the same three rows (equal values, so every shape gives the same bits) at the places each shape reads.
    float[][] apart = dev.kiln.runtime.kernel.Packing.rows(3, START + 256 + OFFSET_POSITIONS + 16);
    float[] row = new float[OFFSET_POSITIONS];
    fill(row, random);
    for (int k = 0; k < 3; k++) {
      System.arraycopy(row, 0, apart[k], START, OFFSET_POSITIONS);
      System.arraycopy(row, 0, apart[k], START + 256, OFFSET_POSITIONS);
    }
    for (int k = 0; k < 3; k++) {
      System.arraycopy(row, 0, arena, PLANES + k * 1024, OFFSET_POSITIONS);
    }
    LongSupplier[] offsetShapes = {
        () -> offsetsAtStore(weights, apart, arena), () -> offsetsFurtherOn(weights, apart, arena),
        () -> offsetsInArenaOne(weights, arena), () -> offsetsInArenaDescending(weights, arena),
        () -> offsetsInArenaAscending(weights, arena)};
    for (int k = 1; k < offsetShapes.length; k++) {
      check(offsetShapes[0], offsetShapes[k], arena, OFFSET_POSITIONS);
    }
    report("offsets, 3 rows into 3 slots over 224 positions (ns for 8 passes)", rounds,
        new String[] {"rows apart, at the store's offset", "rows apart, 256 further on", "in the arena, one offset",
            "in the arena, three falling", "in the arena, three rising"}, offsetShapes);
  }

  private static void fill(float[] a, SplittableRandom random) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) random.nextDouble() - 0.5f;
    }
  }

  /** Runs both, then compares the first {@code floats} of the arena from {@link #START} that each left. */
  private static void check(LongSupplier a, LongSupplier b, float[] arena, int floats) {
    a.getAsLong();
    float[] first = Arrays.copyOfRange(arena, START, START + floats);
    b.getAsLong();
    float[] second = Arrays.copyOfRange(arena, START, START + floats);
    if (!Arrays.equals(first, second)) {
      throw new AssertionError("the two shapes give different sums");
    }
  }

  /** Each shape's median time per call over the rounds; each call returns a value the tool sums, so none is dead. */
  private static void report(String title, int rounds, String[] names, LongSupplier... shapes) {
    double[][] nanos = new double[shapes.length][rounds];
    long sink = 0;
    for (int r = -2; r < rounds; r++) { // two rounds of warm-up
      for (int s = 0; s < shapes.length; s++) {
        long calls = 0;
        long start = System.nanoTime();
        long now;
        do {
          sink += shapes[s].getAsLong();
          calls++;
          now = System.nanoTime();
        } while (now - start < BURST_NANOS);
        if (r >= 0) {
          nanos[s][r] = (double) (now - start) / calls;
        }
      }
    }
    System.out.println(title + (sink == 42 ? " " : ""));
    for (int s = 0; s < shapes.length; s++) {
      Arrays.sort(nanos[s]);
      System.out.printf(Locale.ROOT, "  %-36s %10.1f%n", names[s], nanos[s][rounds / 2]);
    }
  }

  // ---- taps: the pass as generated before (values copied into the arena over a list) and now (read from w)

  private static long copiedFilters100(float[] w, float[][] cols, float[] acc, int[] order) {
    for (int f = 0; f < FILTERS; f += 4) {
      Arrays.fill(acc, START, START + 4 * 128, 0.5f);
      for (int q = 0; q < TAPS; q++) {
        int e = order[q];
        int vq = 523 + 4 * q;
        acc[vq] = w[f * TAPS + e];
        acc[vq + 1] = w[(f + 1) * TAPS + e];
        acc[vq + 2] = w[(f + 2) * TAPS + e];
        acc[vq + 3] = w[(f + 3) * TAPS + e];
      }
      copiedPasses100(acc, cols, order, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static void copiedPasses100(float[] acc, float[][] rows, int[] list, int from, int to) {
    for (int j = from; j + 2 < to; j += 3) {
      int vj = 523 + 4 * (j - from);
      float[] r0 = rows[list[j]], r1 = rows[list[j + 1]], r2 = rows[list[j + 2]];
      float v00 = acc[vj], v01 = acc[vj + 4], v02 = acc[vj + 8];
      float v10 = acc[vj + 1], v11 = acc[vj + 5], v12 = acc[vj + 9];
      float v20 = acc[vj + 2], v21 = acc[vj + 6], v22 = acc[vj + 10];
      float v30 = acc[vj + 3], v31 = acc[vj + 7], v32 = acc[vj + 11];
      for (int i = 0; i < 113; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[139 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[139 + i])));
        acc[267 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[267 + i])));
        acc[395 + i] = madd(v32, c2, madd(v31, c1, madd(v30, c0, acc[395 + i])));
      }
    }
  }

  private static long directFilters100(float[] w, float[][] cols, float[] acc) {
    for (int f = 0; f < FILTERS; f += 4) {
      Arrays.fill(acc, START, START + 4 * 128, 0.5f);
      directPasses100(acc, cols, w, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static void directPasses100(float[] acc, float[][] rows, float[] w, int f, int from, int to) {
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS, wf3 = wf2 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2];
      float v30 = w[wf3 + j], v31 = w[wf3 + j + 1], v32 = w[wf3 + j + 2];
      for (int i = 0; i < 113; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[139 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[139 + i])));
        acc[267 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[267 + i])));
        acc[395 + i] = madd(v32, c2, madd(v31, c1, madd(v30, c0, acc[395 + i])));
      }
    }
  }

  private static long copiedFilters400(float[] w, float[][] cols, float[] acc, int[] order) {
    for (int f = 0; f < FILTERS; f += 4) {
      Arrays.fill(acc, START, START + 4 * 416, 0.5f);
      for (int q = 0; q < TAPS; q++) {
        int e = order[q];
        int vq = 1675 + 4 * q;
        acc[vq] = w[f * TAPS + e];
        acc[vq + 1] = w[(f + 1) * TAPS + e];
        acc[vq + 2] = w[(f + 2) * TAPS + e];
        acc[vq + 3] = w[(f + 3) * TAPS + e];
      }
      copiedPasses400(acc, cols, order, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static void copiedPasses400(float[] acc, float[][] rows, int[] list, int from, int to) {
    for (int j = from; j + 2 < to; j += 3) {
      int vj = 1675 + 4 * (j - from);
      float[] r0 = rows[list[j]], r1 = rows[list[j + 1]], r2 = rows[list[j + 2]];
      float v00 = acc[vj], v01 = acc[vj + 4], v02 = acc[vj + 8];
      float v10 = acc[vj + 1], v11 = acc[vj + 5], v12 = acc[vj + 9];
      float v20 = acc[vj + 2], v21 = acc[vj + 6], v22 = acc[vj + 10];
      float v30 = acc[vj + 3], v31 = acc[vj + 7], v32 = acc[vj + 11];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
        acc[843 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i])));
        acc[1259 + i] = madd(v32, c2, madd(v31, c1, madd(v30, c0, acc[1259 + i])));
      }
    }
  }

  private static long directFilters400(float[] w, float[][] cols, float[] acc) {
    for (int f = 0; f < FILTERS; f += 4) {
      Arrays.fill(acc, START, START + 4 * 416, 0.5f);
      directPasses400(acc, cols, w, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static void directPasses400(float[] acc, float[][] rows, float[] w, int f, int from, int to) {
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS, wf3 = wf2 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2];
      float v30 = w[wf3 + j], v31 = w[wf3 + j + 1], v32 = w[wf3 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
        acc[843 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i])));
        acc[1259 + i] = madd(v32, c2, madd(v31, c1, madd(v30, c0, acc[1259 + i])));
      }
    }
  }

  // ---- pool: 28x28 planes, in the usual order or in quadrant order

  private static float[] toQuadrants(float[] natural, int planes) {
    float[] quadrants = new float[natural.length];
    for (int p = 0; p < planes; p++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int block = (y % 2) * 2 + x % 2;
          quadrants[p * 784 + block * 196 + (y / 2) * 14 + x / 2] = natural[p * 784 + y * 28 + x];
        }
      }
    }
    return quadrants;
  }

  private static long poolNatural(float[] s, int planes, float[] pooled) {
    for (int p = 0; p < planes; p++) {
      int so = p * 784;
      int po = p * 196;
      for (int oh = 0; oh < 14; oh++) {
        int r0 = so + oh * 56;
        int pr = po + oh * 14;
        for (int ow = 0; ow < 14; ow++) {
          int c0 = r0 + 2 * ow;
          pooled[pr + ow] = Math.max(Math.max(s[c0], s[c0 + 1]), Math.max(s[c0 + 28], s[c0 + 29]));
        }
      }
    }
    return Float.floatToRawIntBits(pooled[0]);
  }

  private static long poolQuadrants(float[] s, int planes, float[] pooled, float[][] corners) {
    float[] q0 = corners[0], q1 = corners[1], q2 = corners[2], q3 = corners[3], m = corners[4];
    for (int p = 0; p < planes; p++) {
      int so = p * 784;
      System.arraycopy(s, so, q0, 0, 196);
      System.arraycopy(s, so + 196, q1, 0, 196);
      System.arraycopy(s, so + 392, q2, 0, 196);
      System.arraycopy(s, so + 588, q3, 0, 196);
      for (int i = 0; i < 196; i++) {
        m[i] = Math.max(Math.max(q0[i], q1[i]), Math.max(q2[i], q3[i]));
      }
      System.arraycopy(m, 0, pooled, p * 196, 196);
    }
    return Float.floatToRawIntBits(pooled[0]);
  }

  private static long poolQuadrantOffsets(float[] s, int planes, float[] pooled) {
    for (int p = 0; p < planes; p++) {
      int so = p * 784;
      int po = p * 196;
      for (int i = 0; i < 196; i++) {
        pooled[po + i] = Math.max(Math.max(s[so + i], s[so + 196 + i]), Math.max(s[so + 392 + i], s[so + 588 + i]));
      }
    }
    return Float.floatToRawIntBits(pooled[0]);
  }

  // ---- columns: as generated for LeNet-5's second convolution (6 channels of 14 x 14, 5 x 5 taps, 10 x 10 outputs
  // in quadrant order, four samples side by side), before 16e4386 sample by sample and since then for the group

  private static long sampleColumns(float[] x, float[][] cols) {
    for (int n = 0; n < 4; n++) {
      quadrantColumns(x, n * IMAGE, cols, START + n * 100);
    }
    return Float.floatToRawIntBits(cols[TAPS - 1][START]);
  }

  private static long groupColumns(float[] x, float[][] cols) {
    groupColumns(x, 0, 4, cols, START);
    return Float.floatToRawIntBits(cols[TAPS - 1][START]);
  }

  private static void quadrantColumns(float[] x, int so, float[][] cols, int base) {
    int k = 0;
    for (int ch = 0; ch < 6; ch++) {
      int sc = so + ch * 196;
      for (int kh = 0; kh < 5; kh++) {
        for (int kw = 0; kw < 5; kw++) {
          float[] col = cols[k];
          if (kh > 0) {
            float[] up = cols[k - 5];
            System.arraycopy(up, base + 50, col, base, 50);
            System.arraycopy(up, base + 5, col, base + 50, 45);
            for (int b = 0; b < 2; b++) {
              int from = sc + kh * 14 + 126 + b + kw;
              int to = base + (2 + b) * 25 + 20;
              for (int c = 0; c < 5; c++) {
                col[to + c] = x[from + 2 * c];
              }
            }
          } else if (kw > 0) {
            float[] left = cols[k - 1];
            for (int a = 0; a < 2; a++) {
              int at = base + a * 50;
              System.arraycopy(left, at + 25, col, at, 25);
              System.arraycopy(left, at + 1, col, at + 25, 24);
              for (int r = 0; r < 5; r++) {
                col[at + r * 5 + 29] = x[sc + r * 28 + 9 + a * 14 + kw];
              }
            }
          } else {
            for (int q = 0; q < 4; q++) {
              int at = base + q * 25;
              for (int r = 0; r < 5; r++) {
                int from = sc + r * 28 + (q >> 1) * 14 + (q & 1);
                for (int c = 0; c < 5; c++) {
                  col[at + r * 5 + c] = x[from + 2 * c];
                }
              }
            }
          }
          k++;
        }
      }
    }
  }

  private static void groupColumns(float[] x, int n0, int nb, float[][] cols, int base) {
    int qs = nb * 25;
    int k = 0;
    for (int ch = 0; ch < 6; ch++) {
      for (int kh = 0; kh < 5; kh++) {
        for (int kw = 0; kw < 5; kw++) {
          float[] col = cols[k];
          if (kh > 0) {
            float[] up = cols[k - 5];
            System.arraycopy(up, base + 2 * qs, col, base, 2 * qs);
            System.arraycopy(up, base + 5, col, base + 2 * qs, 2 * qs - 5);
            for (int i = 0; i < nb; i++) {
              int sc = (n0 + i) * IMAGE + ch * 196;
              for (int b = 0; b < 2; b++) {
                int from = sc + kh * 14 + 126 + b + kw;
                int to = base + (2 + b) * qs + i * 25 + 20;
                for (int c = 0; c < 5; c++) {
                  col[to + c] = x[from + 2 * c];
                }
              }
            }
          } else if (kw > 0) {
            float[] left = cols[k - 1];
            for (int a = 0; a < 2; a++) {
              int at = base + a * 2 * qs;
              System.arraycopy(left, at + qs, col, at, qs);
              System.arraycopy(left, at + 1, col, at + qs, qs - 1);
              for (int i = 0; i < nb; i++) {
                int sc = (n0 + i) * IMAGE + ch * 196;
                for (int r = 0; r < 5; r++) {
                  col[at + qs + i * 25 + r * 5 + 4] = x[sc + r * 28 + 9 + a * 14 + kw];
                }
              }
            }
          } else {
            for (int i = 0; i < nb; i++) {
              int sc = (n0 + i) * IMAGE + ch * 196;
              for (int q = 0; q < 4; q++) {
                int at = base + q * qs + i * 25;
                for (int r = 0; r < 5; r++) {
                  int from = sc + r * 28 + (q >> 1) * 14 + (q & 1);
                  for (int c = 0; c < 5; c++) {
                    col[at + r * 5 + c] = x[from + 2 * c];
                  }
                }
              }
            }
          }
          k++;
        }
      }
    }
  }

  // ---- slots: three column rows into four, five or six slots (416 floats apart), 60 filters' worth of work; each
  // block's passes in a method of their own over taps from..to, as generated (with the loop over blocks around them,
  // or with the taps' bounds constants, C2 left even four slots scalar)

  // ---- offsets: where the rows a pass reads may lie (a quadrant of 14 rows of 16 positions, three filters' slots)

  /** Positions of the offsets shapes: 14 rows of 16 (a quadrant of LeNet-5's first convolution in tap planes). */
  private static final int OFFSET_POSITIONS = 224;
  /** Where the offsets shapes' rows lie in the arena: past the three slots, a multiple of 16 from {@link #START}. */
  private static final int PLANES = START + 4096;

  private static long offsetsAtStore(float[] w, float[][] rows, float[] acc) {
    for (int pass = 0; pass < 8; pass++) {
      Arrays.fill(acc, START, START + 3 * 240, 0f);
      float[] r0 = rows[0], r1 = rows[1], r2 = rows[2];
      float v00 = w[0], v01 = w[1], v02 = w[2], v10 = w[3], v11 = w[4], v12 = w[5], v20 = w[6], v21 = w[7], v22 = w[8];
      for (int i = 0; i < 225; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[251 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[251 + i])));
        acc[491 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[491 + i])));
      }
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long offsetsFurtherOn(float[] w, float[][] rows, float[] acc) {
    for (int pass = 0; pass < 8; pass++) {
      Arrays.fill(acc, START, START + 3 * 240, 0f);
      float[] r0 = rows[0], r1 = rows[1], r2 = rows[2];
      float v00 = w[0], v01 = w[1], v02 = w[2], v10 = w[3], v11 = w[4], v12 = w[5], v20 = w[6], v21 = w[7], v22 = w[8];
      for (int i = 0; i < 225; i++) {
        float c0 = r0[267 + i], c1 = r1[267 + i], c2 = r2[267 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[251 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[251 + i])));
        acc[491 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[491 + i])));
      }
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long offsetsInArenaOne(float[] w, float[] acc) {
    for (int pass = 0; pass < 8; pass++) {
      Arrays.fill(acc, START, START + 3 * 240, 0f);
      float v00 = w[0], v01 = w[1], v02 = w[2], v10 = w[3], v11 = w[4], v12 = w[5], v20 = w[6], v21 = w[7], v22 = w[8];
      for (int i = 0; i < 225; i++) {
        float c0 = acc[4107 + i], c1 = acc[4107 + i], c2 = acc[4107 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[251 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[251 + i])));
        acc[491 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[491 + i])));
      }
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long offsetsInArenaDescending(float[] w, float[] acc) {
    for (int pass = 0; pass < 8; pass++) {
      Arrays.fill(acc, START, START + 3 * 240, 0f);
      float v00 = w[0], v01 = w[1], v02 = w[2], v10 = w[3], v11 = w[4], v12 = w[5], v20 = w[6], v21 = w[7], v22 = w[8];
      for (int i = 0; i < 225; i++) {
        float c0 = acc[6155 + i], c1 = acc[5131 + i], c2 = acc[4107 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[251 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[251 + i])));
        acc[491 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[491 + i])));
      }
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long offsetsInArenaAscending(float[] w, float[] acc) {
    for (int pass = 0; pass < 8; pass++) {
      Arrays.fill(acc, START, START + 3 * 240, 0f);
      float v00 = w[0], v01 = w[1], v02 = w[2], v10 = w[3], v11 = w[4], v12 = w[5], v20 = w[6], v21 = w[7], v22 = w[8];
      for (int i = 0; i < 225; i++) {
        float c0 = acc[4107 + i], c1 = acc[5131 + i], c2 = acc[6155 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[251 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[251 + i])));
        acc[491 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[491 + i])));
      }
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long oneSlot(float[] w, float[][] rows, float[] acc) {
    for (int f = 0; f < SLOT_FILTERS; f++) {
      oneSlotPasses(w, rows, acc, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long twoSlots(float[] w, float[][] rows, float[] acc) {
    for (int f = 0; f < SLOT_FILTERS; f += 2) {
      twoSlotPasses(w, rows, acc, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  /** Three filters at a time over the first 144 taps (a multiple of three and four), {@code rows} column rows a pass. */
  private static long rowsAPass(float[] w, float[][] rows, float[] acc, int rowsPerPass) {
    for (int f = 0; f < SLOT_FILTERS; f += 3) {
      Arrays.fill(acc, START, START + 3 * 416, 0.5f);
      if (rowsPerPass == 3) {
        threeSlotCheckedPasses(w, rows, acc, f, 0, 144);
      } else {
        threeSlotFourRowPasses(w, rows, acc, f, 0, 144);
      }
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static void oneSlotPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    // Checked up front, as the generated passes are: the checks keep the method over C2's inlining limit for hot
    // calls (325 bytes of bytecode), and inlined into its caller a pass like this one stayed scalar.
    Objects.checkFromToIndex(from, to, rows.length);
    Objects.checkFromIndexSize(f * TAPS, 1 * TAPS, w.length);
    int wf0 = f * TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
      }
    }
  }

  private static void twoSlotPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    // Checked up front, as the generated passes are: the checks keep the method over C2's inlining limit for hot
    // calls (325 bytes of bytecode), and inlined into its caller a pass like this one stayed scalar.
    Objects.checkFromToIndex(from, to, rows.length);
    Objects.checkFromIndexSize(f * TAPS, 2 * TAPS, w.length);
    int wf0 = f * TAPS, wf1 = wf0 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
      }
    }
  }

  /** {@link #threeSlotPasses} checked up front like the others of the rows shape, so that both are compiled alone. */
  private static void threeSlotCheckedPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    // Checked up front, as the generated passes are: the checks keep the method over C2's inlining limit for hot
    // calls (325 bytes of bytecode), and inlined into its caller a pass like this one stayed scalar.
    Objects.checkFromToIndex(from, to, rows.length);
    Objects.checkFromIndexSize(f * TAPS, 3 * TAPS, w.length);
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
        acc[843 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i])));
      }
    }
  }

  /** {@link #threeSlotPasses} with four column rows a pass, which C2 (JDK 17) leaves scalar. */
  private static void threeSlotFourRowPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    // Checked up front, as the generated passes are: the checks keep the method over C2's inlining limit for hot
    // calls (325 bytes of bytecode), and inlined into its caller a pass like this one stayed scalar.
    Objects.checkFromToIndex(from, to, rows.length);
    Objects.checkFromIndexSize(f * TAPS, 3 * TAPS, w.length);
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS;
    for (int j = from; j + 3 < to; j += 4) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2], r3 = rows[j + 3];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2], v03 = w[wf0 + j + 3];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2], v13 = w[wf1 + j + 3];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2], v23 = w[wf2 + j + 3];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i], c3 = r3[11 + i];
        acc[11 + i] = madd(v03, c3, madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i]))));
        acc[427 + i] = madd(v13, c3, madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i]))));
        acc[843 + i] = madd(v23, c3, madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i]))));
      }
    }
  }

  private static long threeSlots(float[] w, float[][] rows, float[] acc) {
    for (int f = 0; f < SLOT_FILTERS; f += 3) {
      threeSlotPasses(w, rows, acc, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long fourSlots(float[] w, float[][] rows, float[] acc) {
    for (int f = 0; f < SLOT_FILTERS; f += 4) {
      fourSlotPasses(w, rows, acc, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long fiveSlots(float[] w, float[][] rows, float[] acc) {
    for (int f = 0; f < SLOT_FILTERS; f += 5) {
      fiveSlotPasses(w, rows, acc, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static long sixSlots(float[] w, float[][] rows, float[] acc) {
    for (int f = 0; f < SLOT_FILTERS; f += 6) {
      sixSlotPasses(w, rows, acc, f, 0, TAPS);
    }
    return Float.floatToRawIntBits(acc[START]);
  }

  private static void threeSlotPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
        acc[843 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i])));
      }
    }
  }

  private static void fourSlotPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS, wf3 = wf2 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2];
      float v30 = w[wf3 + j], v31 = w[wf3 + j + 1], v32 = w[wf3 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
        acc[843 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i])));
        acc[1259 + i] = madd(v32, c2, madd(v31, c1, madd(v30, c0, acc[1259 + i])));
      }
    }
  }

  private static void fiveSlotPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS, wf3 = wf2 + TAPS, wf4 = wf3 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2];
      float v30 = w[wf3 + j], v31 = w[wf3 + j + 1], v32 = w[wf3 + j + 2];
      float v40 = w[wf4 + j], v41 = w[wf4 + j + 1], v42 = w[wf4 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
        acc[843 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i])));
        acc[1259 + i] = madd(v32, c2, madd(v31, c1, madd(v30, c0, acc[1259 + i])));
        acc[1675 + i] = madd(v42, c2, madd(v41, c1, madd(v40, c0, acc[1675 + i])));
      }
    }
  }

  private static void sixSlotPasses(float[] w, float[][] rows, float[] acc, int f, int from, int to) {
    int wf0 = f * TAPS, wf1 = wf0 + TAPS, wf2 = wf1 + TAPS, wf3 = wf2 + TAPS, wf4 = wf3 + TAPS, wf5 = wf4 + TAPS;
    for (int j = from; j + 2 < to; j += 3) {
      float[] r0 = rows[j], r1 = rows[j + 1], r2 = rows[j + 2];
      float v00 = w[wf0 + j], v01 = w[wf0 + j + 1], v02 = w[wf0 + j + 2];
      float v10 = w[wf1 + j], v11 = w[wf1 + j + 1], v12 = w[wf1 + j + 2];
      float v20 = w[wf2 + j], v21 = w[wf2 + j + 1], v22 = w[wf2 + j + 2];
      float v30 = w[wf3 + j], v31 = w[wf3 + j + 1], v32 = w[wf3 + j + 2];
      float v40 = w[wf4 + j], v41 = w[wf4 + j + 1], v42 = w[wf4 + j + 2];
      float v50 = w[wf5 + j], v51 = w[wf5 + j + 1], v52 = w[wf5 + j + 2];
      for (int i = 0; i < 401; i++) {
        float c0 = r0[11 + i], c1 = r1[11 + i], c2 = r2[11 + i];
        acc[11 + i] = madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[11 + i])));
        acc[427 + i] = madd(v12, c2, madd(v11, c1, madd(v10, c0, acc[427 + i])));
        acc[843 + i] = madd(v22, c2, madd(v21, c1, madd(v20, c0, acc[843 + i])));
        acc[1259 + i] = madd(v32, c2, madd(v31, c1, madd(v30, c0, acc[1259 + i])));
        acc[1675 + i] = madd(v42, c2, madd(v41, c1, madd(v40, c0, acc[1675 + i])));
        acc[2091 + i] = madd(v52, c2, madd(v51, c1, madd(v50, c0, acc[2091 + i])));
      }
    }
  }
}
