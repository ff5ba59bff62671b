package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.processor.plan.LayerPlan;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A 2x2 max pool after a convolution: the convolution's kernel writes the pool's output from its accumulator rows
 * (with the winners in training), and its backward takes the pool's gradient from the winners. Checked against the
 * layers as written (the convolution alone, the pool computed here), and inference against training, which must give
 * the same bits, for odd output sizes (the last row and column dropped), several samples' columns side by side,
 * several filter blocks, groups, negative values (no ReLU) and a ReLU in the kernel, and positions in quadrant order
 * ({@code LayerPlan.quadrantOrder}: 64 windows or more, over one and several channels, with and without padding),
 * and tap blocks ({@code ConvModel.tapBlocks}) padded and read in place.
 * Gradients after an inference pass must be those after a training pass. A pool that cannot be fused (a 3x3 window,
 * a convolution with a sigmoid applied after its kernel) keeps its own kernel; a convolution that is also a
 * residual's source keeps its output.
 */
class PoolInKernelTest {
  static Stream<Arguments> fused() {
    return Stream.of(
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2) ConvLayer a();"),
        Arguments.of("{3, 8, 8}", "@Conv(filters = 4, kernel = 3, padding = 1, activation = Activation.RELU)"
            + " ConvLayer a();"),
        Arguments.of("{4, 7, 6}", "@Conv(filters = 6, kernel = {2, 1}, groups = 2) ConvLayer a();"),
        // 28x28 outputs, twenty filters: one sample per pass, two filter blocks; positions in quadrant order.
        Arguments.of("{1, 28, 28}", "@Conv(filters = 20, kernel = 5, padding = 2, activation = Activation.RELU)"
            + " ConvLayer a();"),
        // Quadrant order over three channels, negative values (no ReLU): 16x16 outputs, 64 windows.
        Arguments.of("{3, 18, 18}", "@Conv(filters = 5, kernel = 3) ConvLayer a();"),
        // Quadrant order with padding, a 4x2 kernel and two samples' columns side by side (16x16 outputs).
        Arguments.of("{2, 17, 17}", "@Conv(filters = 6, kernel = {4, 2}, padding = {1, 0},"
            + " activation = Activation.RELU) ConvLayer a();"),
        // Tap blocks at inference (ConvModel.tapBlocks: one sample a pass): two channels read in place, 22x22
        // outputs, negative values, a block of three filters and two left over for the two-row passes.
        Arguments.of("{2, 24, 24}", "@Conv(filters = 5, kernel = 3) ConvLayer a();"),
        // Tap blocks from a padded image, a 3x2 kernel, 22x20 outputs, one block of four filters.
        Arguments.of("{1, 22, 21}", "@Conv(filters = 4, kernel = {3, 2}, padding = {1, 0},"
            + " activation = Activation.RELU) ConvLayer a();"),
        // Tap blocks with two filters only: no arena block, the two-row passes alone.
        Arguments.of("{1, 26, 26}", "@Conv(filters = 2, kernel = 5, padding = 1, activation = Activation.RELU)"
            + " ConvLayer a();"));
  }

  /** The inputs of {@link #fused} whose convolution reads its taps from tap blocks at inference. */
  private static final java.util.Set<String> TAP_BLOCKS =
      java.util.Set.of("{1, 28, 28}", "{3, 18, 18}", "{2, 17, 17}", "{2, 24, 24}", "{1, 22, 21}", "{1, 26, 26}");

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fused")
  void inferenceWritesThePoolFromTheKernelWithTheSameBits(String input, String conv) throws Exception {
    Model model = TestNetworks.network(input, conv + "\n  @Pool(size = 2) PoolLayer p();");
    // The fused kernel exists: conv "a" writes pool "p" outside training; with enough windows, from positions in
    // quadrant order (LayerPlan.quadrantOrder), sample by sample or, where several samples go side by side and the
    // layer reads its input in place (no padding), a group's samples side by side within each quadrant.
    java.util.Set<String> methods = methodNames(model);
    assertThat(methods).contains("aPool");
    int windows = model.outputShape().dim(1) * model.outputShape().dim(2);
    boolean quadrants = methods.contains("aQuadrantColumns") || methods.contains("aGroupColumns");
    assertWithMessage("quadrant order for %s windows", windows).that(quadrants)
        .isEqualTo(windows >= LayerPlan.QUADRANT_MIN_WINDOWS);
    if (input.equals("{3, 18, 18}")) {
      assertWithMessage("grouped quadrants").that(methods).contains("aGroupColumns");
    }
    // Inference reads the taps from tap blocks, four times as many samples at a time as a pass of the columns holds
    // (ConvModel.tapBlocks); compareModes runs them and the columns against training.
    assertWithMessage("tap blocks").that(methods.contains("aTapBlocks")).isEqualTo(TAP_BLOCKS.contains(input));
    compareModes(model);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("fused")
  void trainingMatchesTheLayersAsWritten(String input, String conv) {
    Model pooled = TestNetworks.network(input, conv + "\n  @Pool(size = 2) PoolLayer p();");
    Model plain = TestNetworks.network(input, conv);
    for (int p = 0; p < plain.parameters().size(); p++) {
      float[] from = plain.parameters().get(p).value();
      System.arraycopy(from, 0, pooled.parameters().get(p).value(), 0, from.length);
      pooled.parameters().get(p).markModified();
    }
    int batch = 7;
    int channels = plain.outputShape().dim(0);
    int h = plain.outputShape().dim(1);
    int w = plain.outputShape().dim(2);
    int ph = h / 2;
    int pw = w / 2;
    Random random = new Random(11);
    float[] x = new float[batch * plain.inputShape().size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    float[] g = new float[batch * channels * ph * pw];
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) random.nextGaussian();
    }
    plain.train();
    pooled.train();
    Workspace plainWs = plain.newPrivateWorkspace(batch);
    Workspace pooledWs = pooled.newPrivateWorkspace(batch);
    float[] y = plain.forward(plainWs, x, batch);
    float[] out = pooled.forward(pooledWs, x, batch);
    // The pool as written: the maximum as PoolCode's tree of Math.max, the first tap equal to it wins.
    float[] expected = new float[g.length];
    float[] routed = new float[y.length];
    for (int plane = 0; plane < batch * channels; plane++) {
      for (int oh = 0; oh < ph; oh++) {
        for (int ow = 0; ow < pw; ow++) {
          int c0 = plane * h * w + 2 * oh * w + 2 * ow;
          int[] taps = {c0, c0 + 1, c0 + w, c0 + w + 1};
          float best = Math.max(Math.max(y[taps[0]], y[taps[1]]), Math.max(y[taps[2]], y[taps[3]]));
          int o = plane * ph * pw + oh * pw + ow;
          expected[o] = best;
          for (int tap : taps) {
            if (y[tap] == best) {
              routed[tap] = g[o];
              break;
            }
          }
        }
      }
    }
    assertWithMessage("pooled output").that(bits(out)).isEqualTo(bits(expected));
    pooledWs.zeroGradients();
    plainWs.zeroGradients();
    float[] gx = pooled.backward(pooledWs, g);
    float[] plainGx = plain.backward(plainWs, routed);
    // The gradients' sums run over the winners in the pool's order, not the positions': rounding apart.
    assertWithMessage("input gradient").that(toDoubles(gx)).comparingElementsUsing(close())
        .containsExactlyElementsIn(toDoubles(plainGx)).inOrder();
    for (int p = 0; p < plain.parameters().size(); p++) {
      assertWithMessage("parameter gradient %s", p).that(toDoubles(pooledWs.gradients()[p]))
          .comparingElementsUsing(close()).containsExactlyElementsIn(toDoubles(plainWs.gradients()[p])).inOrder();
    }
  }

  /**
   * A workspace holds the tap blocks it runs, sized for them: one whose batch holds a whole group a group's, one that
   * does not a single sample's where the layer takes single samples from tap blocks too ({@code
   * ConvModel.oneSampleTapBlocks}: LeNet-5's first convolution, 196 positions a quadrant), and none where it does not
   * (LeNet-5's second, 25 positions a quadrant, whose blocks for sixteen samples are about 0.4 MB). The one-sample and
   * the group's blocks give the same bits for each sample.
   */
  @org.junit.jupiter.api.Test
  void aWorkspaceHoldsTheTapBlocksItRuns() throws Exception {
    Model model = TestNetworks.network("{1, 28, 28}", "@Conv(filters = 6, kernel = 5, padding = 2,"
        + " activation = Activation.RELU) ConvLayer a();\n  @Pool(size = 2) PoolLayer p();");
    model.eval();
    Workspace one = model.newWorkspace(1);
    Workspace four = model.newWorkspace(4);
    assertThat(methodNames(model)).contains("aTapBlocksForwardOne");
    float[][] oneBlocks = (float[][]) field(one, "aTapBlocks");
    float[][] groupBlocks = (float[][]) field(four, "aTapBlocks");
    assertThat(oneBlocks.length).isAtLeast(36);
    assertThat(groupBlocks.length).isAtLeast(36);
    // Each block's data from index 11, one past the passes' last position: 196 positions a quadrant (passes of
    // 209), or four samples' 784 (passes of 785).
    assertThat(oneBlocks[0].length).isAtLeast(11 + 209);
    assertThat(oneBlocks[0].length).isLessThan(11 + 785);
    assertThat(groupBlocks[0].length).isAtLeast(11 + 785);
    assertThat(((float[]) field(one, "aPaddedGroup")).length).isEqualTo(32 * 32);
    assertThat(((float[]) field(four, "aPaddedGroup")).length).isEqualTo(4 * 32 * 32);

    Model second = TestNetworks.network("{6, 14, 14}", "@Conv(filters = 16, kernel = 5,"
        + " activation = Activation.RELU) ConvLayer a();\n  @Pool(size = 2) PoolLayer p();");
    assertThat(methodNames(second)).contains("aTapBlocksForward");
    assertThat(methodNames(second)).doesNotContain("aTapBlocksForwardOne");
    assertThat(((float[][]) field(second.newWorkspace(15), "aTapBlocks")).length).isEqualTo(0);
    assertThat(((float[][]) field(second.newWorkspace(16), "aTapBlocks")).length).isAtLeast(6 * 36);
    float[] x = TestNetworks.gaussians(4 * model.inputShape().size(), new Random(3));
    float[] group = model.forward(four, x, 4).clone();
    int out = model.outputShape().size();
    for (int n = 0; n < 4; n++) {
      float[] sample = java.util.Arrays.copyOfRange(x, n * model.inputShape().size(),
          (n + 1) * model.inputShape().size());
      assertWithMessage("sample %s", n).that(bits(model.forward(one, sample, 1)))
          .isEqualTo(bits(java.util.Arrays.copyOfRange(group, n * out, (n + 1) * out)));
    }
  }

  /**
   * The winners in training on sums with every case the pool's rule has, against the rule written out here and the
   * layers as written: windows of equal values (a zero background, a filter whose weights are all zero), positive and
   * negative infinities and NaNs in the images, negative zeros. The first of a window's four values equal to its
   * maximum wins; a NaN maximum goes to the last NaN. Five samples: four through a group's tap blocks, the fifth
   * through one sample's (28x28 outputs, {@code ConvModel.oneSampleTapBlocks}) or through the columns (20x20: a
   * quadrant too short for those), whose pools all take the winners from offsets computed without comparisons ({@code
   * ConvCode.maximaAndOffsets}). The pooled outputs must be the same bits, and the input gradients, which depend only
   * on where each window's gradient goes, the layers' own.
   */
  @ParameterizedTest(name = "{0}x{0}, activation \"{1}\"")
  @org.junit.jupiter.params.provider.CsvSource({"28, ''", "28, ', activation = Activation.RELU'", "20, ''",
      "20, ', activation = Activation.RELU'"})
  void winnersFollowThePoolsRuleOnTiesInfinitiesAndNaNs(int size, String activation) {
    String conv = "@Conv(filters = 4, kernel = 5, padding = 2" + activation + ") ConvLayer a();";
    String input = "{1, " + size + ", " + size + "}";
    Model pooled = TestNetworks.network(input, conv + "\n  @Pool(size = 2) PoolLayer p();");
    Model plain = TestNetworks.network(input, conv);
    assertThat(methodNames(pooled)).contains("aTapBlocksPoolWinners");
    assertWithMessage("one sample's tap blocks").that(methodNames(pooled).contains("aTapBlocksPoolWinnersOne"))
        .isEqualTo(size == 28);
    sameWeightsWithATiedFilter(plain, pooled, 25);
    int batch = 5;
    int in = plain.inputShape().size();
    Random random = new Random(17);
    float[] x = edgeCaseInputs(batch * in, in, 6 * size, 200, random);
    int channels = 4;
    int h = size;
    int w = size;
    float[] g = TestNetworks.gaussians(batch * channels * (h / 2) * (w / 2), random);
    plain.train();
    pooled.train();
    Workspace plainWs = plain.newPrivateWorkspace(batch);
    Workspace pooledWs = pooled.newPrivateWorkspace(batch);
    float[] y = plain.forward(plainWs, x, batch);
    float[] out = pooled.forward(pooledWs, x, batch).clone();
    float[] expected = new float[g.length];
    float[] routed = new float[y.length];
    boolean relu = !activation.isEmpty();
    int nanWindows = 0;
    for (int plane = 0; plane < batch * channels; plane++) {
      for (int oh = 0; oh < h / 2; oh++) {
        for (int ow = 0; ow < w / 2; ow++) {
          int c0 = plane * h * w + 2 * oh * w + 2 * ow;
          int[] taps = {c0, c0 + 1, c0 + w, c0 + w + 1};
          float best = Math.max(Math.max(y[taps[0]], y[taps[1]]), Math.max(y[taps[2]], y[taps[3]]));
          int o = plane * (h / 2) * (w / 2) + oh * (w / 2) + ow;
          expected[o] = best;
          int winner = -1;
          for (int t = 0; t < 4; t++) {
            if (best != best ? y[taps[t]] != y[taps[t]] : y[taps[t]] == best) {
              winner = taps[t];
              if (best == best) {
                break; // the first equal to the maximum; for a NaN maximum, the last NaN
              }
            }
          }
          nanWindows += best != best ? 1 : 0;
          // With the ReLU in the kernel, only a window whose output is above zero passes a gradient back (there
          // the first tap equal to the maximum is the same before and after the ReLU).
          if (!relu || best > 0) {
            routed[winner] = g[o];
          }
        }
      }
    }
    assertWithMessage("windows with a NaN maximum").that(nanWindows).isGreaterThan(0);
    // Bit for bit, every NaN as Java's one NaN: which NaN a sum of NaNs keeps is not the rule under test.
    TestNetworks.assertSameBits("pooled output", expected, out);
    float[] gx = pooled.backward(pooledWs, g);
    float[] plainGx = plain.backward(plainWs, routed);
    assertWithMessage("input gradient").that(toDoubles(gx)).comparingElementsUsing(close())
        .containsExactlyElementsIn(toDoubles(plainGx)).inOrder();
  }

  /**
   * One sample's pool outside training where a group's samples share quadrants: LeNet-5's second convolution, whose
   * lone samples (batch 1, the fifth of five here) take their columns from shared rows in the usual order and their
   * pool from those sums ({@code ConvCode.rowsPoolMethod}) while the first four go through the group's quadrants. Ties,
   * infinities, NaNs and negative zeros give the maxima of the layers as written, bit for bit.
   */
  @ParameterizedTest(name = "activation \"{0}\"")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"", ", activation = Activation.RELU"})
  void oneSamplesPoolFromSharedRowsFollowsThePoolsRule(String activation) {
    String conv = "@Conv(filters = 16, kernel = 5" + activation + ") ConvLayer a();";
    String input = "{6, 14, 14}";
    Model pooled = TestNetworks.network(input, conv + "\n  @Pool(size = 2) PoolLayer p();");
    Model plain = TestNetworks.network(input, conv);
    assertThat(methodNames(pooled)).containsAtLeast("aRowsPool", "aGroupColumns");
    sameWeightsWithATiedFilter(plain, pooled, 150);
    int batch = 5;
    int in = plain.inputShape().size();
    Random random = new Random(23);
    // Each channel's first four rows zero, and rarer infinities and NaNs: six channels feed every sum.
    float[] x = edgeCaseInputs(batch * in, 196, 56, 300, random);
    plain.eval();
    pooled.eval();
    float[] y = plain.forward(plain.newWorkspace(batch), x, batch);
    float[] out = pooled.forward(pooled.newWorkspace(batch), x, batch).clone();
    float[] one = pooled.forward(pooled.newWorkspace(1), java.util.Arrays.copyOfRange(x, 4 * in, 5 * in), 1);
    int planes = batch * 16;
    float[] expected = new float[planes * 25];
    int nanWindows = 0;
    for (int plane = 0; plane < planes; plane++) {
      for (int oh = 0; oh < 5; oh++) {
        for (int ow = 0; ow < 5; ow++) {
          int c0 = plane * 100 + 2 * oh * 10 + 2 * ow;
          float best = Math.max(Math.max(y[c0], y[c0 + 1]), Math.max(y[c0 + 10], y[c0 + 11]));
          expected[plane * 25 + oh * 5 + ow] = best;
          nanWindows += plane >= 64 && best != best ? 1 : 0;
        }
      }
    }
    assertWithMessage("the lone sample's windows with a NaN maximum").that(nanWindows).isGreaterThan(0);
    TestNetworks.assertSameBits("pooled output", expected, out);
    TestNetworks.assertSameBits("pooled output at batch 1", java.util.Arrays.copyOfRange(expected, 4 * 400, 5 * 400),
        one);
  }

  /**
   * Copies {@code plain}'s parameters into {@code pooled}, filter 1's weights ({@code taps} a filter) zeroed first in
   * both: every sum of that filter is its bias, every window of it a tie.
   */
  private static void sameWeightsWithATiedFilter(Model plain, Model pooled, int taps) {
    for (int p = 0; p < plain.parameters().size(); p++) {
      float[] value = plain.parameters().get(p).value();
      if (p == 0) {
        java.util.Arrays.fill(value, taps, 2 * taps, 0f);
        plain.parameters().get(p).markModified();
      }
      System.arraycopy(value, 0, pooled.parameters().get(p).value(), 0, value.length);
      pooled.parameters().get(p).markModified();
    }
  }

  /**
   * {@code count} inputs for the pools' rule: the first {@code background} values of every plane of {@code plane}
   * zero (ties in the sums near them), elsewhere about one in {@code rarity} each of positive infinity, negative
   * infinity and NaN, some negative zeros, and normal draws.
   */
  private static float[] edgeCaseInputs(int count, int plane, int background, int rarity, Random random) {
    float[] x = new float[count];
    for (int i = 0; i < count; i++) {
      int kind = random.nextInt(rarity);
      x[i] = i % plane < background ? 0f
          : kind == 0 ? Float.POSITIVE_INFINITY
          : kind == 1 ? Float.NEGATIVE_INFINITY
          : kind == 2 ? Float.NaN
          : kind < 20 ? -0f
          : (float) random.nextGaussian();
    }
    return x;
  }

  private static Object field(Workspace ws, String name) throws ReflectiveOperationException {
    java.lang.reflect.Field f = ws.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(ws);
  }

  @org.junit.jupiter.api.Test
  void aConvolutionThatIsAlsoAResidualSourceKeepsItsOutput() {
    Model model = TestNetworks.network("{2, 6, 6}", "@Conv(filters = 2, kernel = 3, padding = 1) ConvLayer a();\n"
        + "  @Pool(size = 2) PoolLayer p();\n"
        + "  @ConvTranspose(filters = 2, kernel = {2}, stride = {2}) @Residual(from = \"a\") ConvTransposeLayer u();");
    // Training first, on a fresh workspace: an output left from an earlier pass must not stand in for it.
    float[] x = new float[3 * model.inputShape().size()];
    Random random = new Random(2);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    model.train();
    float[] training = model.forward(model.newPrivateWorkspace(3), x, 3).clone();
    model.eval();
    float[] inference = model.forward(model.newPrivateWorkspace(3), x, 3).clone();
    assertWithMessage("training output against inference output").that(bits(training)).isEqualTo(bits(inference));
    compareModes(model);
  }

  private static java.util.Set<String> methodNames(Model model) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (java.lang.reflect.Method m : model.getClass().getDeclaredMethods()) {
      names.add(m.getName());
    }
    return names;
  }

  private static com.google.common.truth.Correspondence<Double, Double> close() {
    return com.google.common.truth.Correspondence.from(
        (Double actual, Double expected) -> Math.abs(actual - expected) <= 1e-4 * Math.max(1, Math.abs(expected)),
        "is within 1e-4 (relative above 1) of");
  }

  private static java.util.List<Double> toDoubles(float[] values) {
    java.util.List<Double> list = new java.util.ArrayList<>();
    for (float v : values) {
      list.add((double) v);
    }
    return list;
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("unfused")
  void poolsThatCannotBeFusedKeepTheirKernel(String input, String layers) throws Exception {
    Model model = TestNetworks.network(input, layers);
    assertThrows(NoSuchMethodException.class,
        () -> model.getClass().getDeclaredMethod("aPool", float[].class, int.class, float[].class, int.class));
    compareModes(model);
  }

  static Stream<Arguments> unfused() {
    return Stream.of(
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2) ConvLayer a();\n  @Pool(size = 3) PoolLayer p();"),
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2, activation = Activation.SIGMOID) ConvLayer a();\n"
            + "  @Pool(size = 2) PoolLayer p();"),
        Arguments.of("{2, 9, 9}", "@Conv(filters = 3, kernel = 2) ConvLayer a();\n"
            + "  @Pool(size = 2, mode = PoolMode.AVG) PoolLayer p();"));
  }

  /**
   * Inference and training outputs bit for bit, and the gradients after each: nineteen samples, so that inference
   * runs tap blocks ({@code ConvModel.tapBlocks}, four or eight samples at a time here) more than once and some
   * samples alone, from their own tap blocks ({@code ConvModel.oneSampleTapBlocks}) or from the columns.
   */
  private static void compareModes(Model model) {
    int batch = 19;
    int in = model.inputShape().size();
    int out = model.outputShape().size();
    Random random = new Random(5);
    float[] x = TestNetworks.gaussians(batch * in, random);
    float[] g = TestNetworks.gaussians(batch * out, random);
    Workspace ws = model.newPrivateWorkspace(batch);

    model.eval();
    ws.zeroGradients();
    float[] inference = model.forward(ws, x, batch).clone();
    float[] inferenceGx = model.backward(ws, g).clone();
    float[][] inferenceGrads = copy(ws.gradients());

    model.train();
    ws.zeroGradients();
    float[] training = model.forward(ws, x, batch).clone();
    float[] trainingGx = model.backward(ws, g).clone();
    float[][] trainingGrads = copy(ws.gradients());
    model.eval();

    assertWithMessage("inference output against training output").that(bits(inference))
        .isEqualTo(bits(training));
    assertWithMessage("input gradient").that(bits(inferenceGx)).isEqualTo(bits(trainingGx));
    for (int p = 0; p < trainingGrads.length; p++) {
      assertWithMessage("parameter gradient %s", p).that(bits(inferenceGrads[p])).isEqualTo(bits(trainingGrads[p]));
    }
  }

  private static float[][] copy(float[][] arrays) {
    float[][] out = new float[arrays.length][];
    for (int i = 0; i < arrays.length; i++) {
      out[i] = arrays[i].clone();
    }
    return out;
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
