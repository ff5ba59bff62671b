package dev.kiln.processor.generate;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.PoolModel;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A grouped 2-D convolution as matrix products over copies of the input windows, laid out so that every innermost
 * loop runs over zero-indexed rows (the condition for C2 to vectorise it on JDK 17):
 *
 * <ul>
 *   <li>Forward copies a few samples' inputs side by side into im2col columns ({@code cols[tap][position]}; with a
 *       vertical stride of 1 most of a tap's column is one copy of the column one kernel row up, and on the first
 *       kernel row, where the horizontal stride equals the dilation, of the column one tap to the left) and adds
 *       the column rows, each times a filter's weight for its tap, into the filters' sums as chains of
 *       multiply-adds: for a whole group of samples or one sample, four to six filters at a time in the slots of
 *       the workspace's aligned arena, three column rows a pass, the weights read in place ({@link #arenaBlocks},
 *       {@link #groupProductsMethod}); for the filters left over and a batch's last group of two or three samples,
 *       four filters' accumulator rows two column rows a pass, a lone filter eight ({@link #productsMethod}). The
 *       ReLU and a fused max pool then run on the sums ({@link #outputsMethod}); a pool of many windows reads the
 *       positions in quadrant order ({@code LayerPlan.quadrantOrder}, {@link #quadrantColumnsMethod}).
 *   <li>Backward copies the input into im2row rows ({@code rows[position][tap]}). For each filter it lists the
 *       positions whose output gradient is non-zero (after a ReLU and a max pool, most are zero), and adds eight such
 *       rows at a time, each times its gradient, into the filter's weight-gradient row. The input gradient is the
 *       reverse: each listed position's row gradient gets the filter's weight row times its gradient, and the row
 *       gradients are scattered back onto the input (row2im); where windows move on by one tap per output column
 *       ({@link ConvModel#shiftsRows}) one row carries the sum along each output row instead ({@link
 *       #inputGradientMethod}). A layer with a small window ({@link
 *       ConvModel#directWeightGradient}) needs no rows for its weight gradient: it sums it straight from the
 *       source image, one kernel row's taps in locals over the listed positions.
 * </ul>
 *
 * A ReLU on the layer runs inside these kernels (see {@code NetworkPlan.activationInKernel}): forward clamps the
 * accumulator rows before storing them, backward leaves out of the list the positions where the output is zero.
 * A padded layer copies each sample into a zero-bordered scratch image first, so that the window copies need no
 * bounds tests; the border is never written, so it stays zero.
 *
 * <p>With the opt-in Vector API backend ({@code -Dkiln.vector=true}) the forward product over the columns runs in
 * {@code VectorConv}'s register-blocked kernel, and a stride-1 layer with few filters ({@link ConvModel#wideGrid})
 * runs its backward pass on the wide grid instead of im2row rows.
 */
final class ConvCode implements LayerCode {
  static final ClassName FLOAT_BITS = ClassName.get("dev.kiln.runtime.kernel", "FloatBits");

  /**
   * The most tap sums {@link #directWeightGradient} keeps in locals at once where C2 has 32 float registers
   * ({@code Registers.MANY}): the rest hold the listed value and the addresses. With 16 registers it keeps two
   * kernel rows (ten sums for a 5x5 kernel, which fit: LeNet-5's training step 4,868 -> 4,728 µs against one row a
   * pass on an AMD Zen 4, and five rows a pass were no faster there). On an AMD Zen 5 with AVX-512, the first
   * convolution of LeNet-5 with all five rows in one pass: its weight gradient at batch 64 183 µs against 262 µs in
   * three passes (scratch harness), and 307 µs in a JVM held to 16 registers ({@code -XX:UseAVX=2}); the training
   * step 2,094-2,228 against 2,139-2,264 µs (JMH, five pairs of JVMs alternating between the builds: about 2%).
   */
  static final int SUMS_IN_MANY_REGISTERS = 25;

  static final ClassName CONV_WINDOWS = ClassName.get("dev.kiln.runtime.kernel", "ConvWindows");
  private static final ClassName REGISTERS = ClassName.get("dev.kiln.runtime.kernel", "Registers");

  /**
   * Whether inference shares this convolution's filters out among threads ({@link ConvolutionSplitCode}: one of the
   * network's leading convolutions), so that its forward kernel is called on ranges of filters that may start and
   * end anywhere; otherwise it only ever runs whole groups.
   */
  private final boolean filterRanges;

  /** The code of a convolution whose forward kernel runs whole groups of filters only. */
  ConvCode() {
    this(false);
  }

  /** The code of a convolution, with {@link #filterRanges} as given. */
  ConvCode(boolean filterRanges) {
    this.filterRanges = filterRanges;
  }

  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    ConvModel c = (ConvModel) plan.layer();
    boolean relu = plan.activationInKernel();
    PoolModel pool = plan.poolInKernel() == null ? null : (PoolModel) plan.poolInKernel().layer();
    PoolModel poolBackward = plan.poolBackwardInKernel() ? pool : null;
    boolean quadrants = plan.quadrantOrder();
    List<MethodSpec> methods = new java.util.ArrayList<>(List.of(padMethod(c), columnsMethod(c),
        c.shiftsRows() ? inputGradientMethod(c) : rowsBackwardMethod(c),
        forwardMethod(c, pool, quadrants), outputsMethod(c, pool, plan.poolBackwardInKernel(), quadrants),
        productsMethod(c),
        backwardMethod(c, relu, poolBackward), filterGradientMethod(c, relu, poolBackward)));
    methods.addAll(arenaMethods(c, groupLength(c)));
    if (c.samplesPerPass() > 1) {
      methods.addAll(arenaMethods(c, c.positions()));
    }
    if (pool != null) {
      methods.add(poolMethod(c, pool, quadrants, plan.poolBackwardInKernel()));
      if (quadrants && c.quadrantsHoldGroups() && c.sharedRowColumns()) {
        methods.add(rowsPoolMethod(c, pool, plan.poolBackwardInKernel()));
      }
      methods.add(poolWinnersMethod(c, pool, quadrants, plan.poolBackwardInKernel()));
    }
    if (quadrants && c.tapBlocks()) {
      methods.addAll(tapBlockMethods(c, pool, c.tapBlockSamples()));
      if (c.oneSampleTapBlocks()) {
        methods.addAll(tapBlockMethods(c, pool, 1));
        methods.addAll(arenaMethods(c, c.positions() / 4));
      }
    }
    if (quadrants) {
      methods.add(quadrantColumnsMethod(c));
      if (c.quadrantsHoldGroups()) {
        methods.add(groupQuadrantColumnsMethod(c));
      }
    }
    if (!c.directWeightGradient()) {
      methods.add(rowsMethod(c));
    }
    if (c.padded()) {
      methods.add(unpadMethod(c));
    }
    return methods;
  }

  /**
   * {@code conv2Columns} where the layer has stride and dilation 1 ({@link ConvModel#sharedRowColumns}): the column
   * of a channel's tap in the first kernel row is written {@code kh - 1} output rows long, which makes it every one of
   * the source's rows cut to the output's width (the column of kernel column 0 by one copy per source row; of each
   * further kernel column by one copy of the column to its left moved on by one value, and the last value of each
   * row from the source). The column of the tap {@code kh} rows down is that column from output row {@code kh} on:
   * one copy each. (A pass cannot read it there itself: C2 vectorises a pass only over rows read at the offset of its
   * sums, {@link ConvModel#sharedRowColumns}.) LeNet-5's second convolution, one sample: 84 copies of a source row,
   * 24 of a whole shared row and 120 of a column, against 324 copies of a row or a column for the usual way, 3.2
   * against 4.6 µs (scratch harness, a timer around the columns). The columns hold the same values as the usual
   * way's; the first kernel row's hold more after them, up to {@link ConvModel#sharedRowSlack} floats past the group's
   * columns, which the next sample's columns overwrite and nothing else reads.
   */
  private static MethodSpec sharedRowColumnsMethod(ConvModel c) {
    Window w = c.window();
    int oh = c.output().height();
    int ow = c.output().width();
    int pw = c.sourceWidth();
    int sourceRows = oh + w.kh() - 1;
    int taps = w.kh() * w.kw();
    String src = source(c);
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .addStatement("int sc = so + ch * $L", sourcePlane(c))
        .addStatement("int k = ch * $L", taps)
        .addStatement("float[] row = cols[k]")
        .beginControlFlow("for (int r = 0; r < $L; r++)", sourceRows)
        .addStatement("System.arraycopy($L, sc + r * $L, row, base + r * $L, $L)", src, pw, ow, ow)
        .endControlFlow();
    if (w.kw() > 1) {
      b.beginControlFlow("for (int kw = 1; kw < $L; kw++)", w.kw())
          .addStatement("row = cols[k + kw]")
          .addStatement("System.arraycopy(cols[k + kw - 1], base + 1, row, base, $L)", sourceRows * ow - 1)
          .beginControlFlow("for (int r = 0; r < $L; r++)", sourceRows)
          .addStatement("row[base + r * $L + $L] = $L[sc + r * $L + $L + kw]", ow, ow - 1, src, pw, ow - 1)
          .endControlFlow()
          .endControlFlow();
    }
    b.beginControlFlow("for (int kh = 1; kh < $L; kh++)", w.kh())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("System.arraycopy(cols[k + kw], base + kh * $L, cols[k + kh * $L + kw], base, $L)", ow, w.kw(),
            oh * ow)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return columnsKernel(c, "Columns", CodeBlock.of("$L: copies one sample and group's windows into im2col columns, "
        + "from column base on, the first kernel row's $L output rows long (shared rows).\n", c.name(), sourceRows),
        b.build());
  }

  /**
   * A column-copy kernel ({@code conv2Columns}, {@code conv2QuadrantColumns}): reads one sample and group's windows
   * from the source ({@code x}, or the padded scratch image) from {@code so}, writes {@code cols} from column {@code
   * base} on.
   */
  private static MethodSpec columnsKernel(ConvModel c, String pass, CodeBlock doc, CodeBlock code) {
    return Methods.kernel(Methods.pass(c.name(), pass), "$L", doc)
        .addParameter(Methods.FLOATS, source(c))
        .addParameter(TypeName.INT, "so")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(TypeName.INT, "base")
        .addCode(code)
        .build();
  }

  /**
   * For a layer the opt-in Vector API backend runs on the wide grid: where each kernel tap reads the source image,
   * relative to the output position ({@code VectorBackend.tapOffsets}). For a layer whose weight gradient is summed
   * straight from the source ({@link ConvModel#directWeightGradient}): where each output position's window starts
   * ({@code ConvWindows.starts}, read by {@link #windowStart}). For a layer with a fused max pool: where each of its
   * windows starts in a filter's output, for the Vector API's pool ({@link #vectorPool}).
   */
  @Override
  public List<FieldSpec> fields(LayerPlan plan) {
    ConvModel c = (ConvModel) plan.layer();
    Window w = c.window();
    List<FieldSpec> fields = new java.util.ArrayList<>();
    if (c.wideGrid()) {
      fields.add(tapsFieldSpec(c));
    }
    if (plan.poolInKernel() != null) {
      PoolModel pool = (PoolModel) plan.poolInKernel().layer();
      fields.add(FieldSpec.builder(Methods.INTS, poolWindowsField(c), Modifier.PRIVATE, Modifier.STATIC,
              Modifier.FINAL)
          .addJavadoc("$L: where each window of the fused pool starts in a filter's output (the Vector API kernels, the "
                  + "winners in training).\n",
              c.name())
          .initializer("$T.starts($L, $L, $L, 2)", CONV_WINDOWS, pool.output().height(), pool.output().width(),
              2 * c.output().width())
          .build());
    }
    if (c.directWeightGradient()) {
      fields.add(FieldSpec.builder(Methods.INTS, windowStartsField(c), Modifier.PRIVATE, Modifier.STATIC,
              Modifier.FINAL)
          .addJavadoc("$L: where each output position's window starts in the source image (see windowStart).\n",
              c.name())
          .initializer("$T.starts($L, $L, $L, $L)", CONV_WINDOWS, c.output().height(), c.output().width(),
              w.sh() * c.sourceWidth(), w.sw())
          .build());
    }
    return fields;
  }

  private static String poolWindowsField(ConvModel c) {
    return c.name() + "PoolWindows";
  }

  private static String windowStartsField(ConvModel c) {
    return c.name() + "WindowStarts";
  }

  /**
   * The name of the table of where each kernel tap reads the source image, relative to the output position ({@code
   * VectorBackend.tapOffsets}): read by the wide grid ({@link ConvModel#wideGrid}) and by the lanes ({@code
   * LaneChainCode}), whose lane images have the source image's planes.
   */
  static String tapsField(ConvModel c) {
    return c.name() + "Taps";
  }

  /** The tap table {@link #tapsField} names, made once per class. */
  static FieldSpec tapsFieldSpec(ConvModel c) {
    Window w = c.window();
    return FieldSpec.builder(Methods.INTS, tapsField(c), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("$L: where each kernel tap reads the source image (the Vector API kernels).\n", c.name())
        .initializer("$T.tapOffsets($L, $L, $L, $L, $L, $L, $L)", Methods.VECTOR_BACKEND, c.channelsPerGroup(),
            w.kh(), w.kw(), w.dh(), w.dw(), c.sourceHeight(), c.sourceWidth())
        .build();
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    return forwardFrom(plan, "0");
  }

  /**
   * {@link #forward} for the samples from {@code first} (an expression) on: a convolution that the Vector API
   * kernels ran in lanes for the samples before ({@link dev.kiln.processor.plan.NetworkPlan#laneChain}).
   */
  static CodeBlock forwardFrom(LayerPlan plan, String first) {
    ConvModel c = (ConvModel) plan.layer();
    String n = c.name();
    CodeBlock.Builder code = CodeBlock.builder().add(forwardCall(plan, n + "Weight", c.bias() ? n + "Bias" : "null",
        ActivationCode.producerTarget(plan), plan.activationInKernel(), first));
    code.add(ActivationCode.fusedForward(plan));
    return code.build();
  }

  /**
   * The call of the layer's forward kernel with the given weight and bias expressions (the layer's own, or the
   * copies with a batch norm folded in), writing into {@code target}, with the ReLU applied in the kernel or not,
   * for the batch's samples from {@code first} (an expression) on.
   */
  static CodeBlock forwardCall(LayerPlan plan, String weight, String bias, String target, boolean relu,
      String first) {
    // A max pool after the layer: the kernel writes its output too, and in training its winners.
    String winners = plan.poolInKernel() == null ? null
        : "training ? " + LayerCode.buffer(plan.poolInKernel().argmax()) + " : null";
    return kernelCall(plan, weight, bias, target, relu, "ws", first, winners,
        "0, " + ((ConvModel) plan.layer()).filters());
  }

  /**
   * The call of a leading convolution's forward kernel for filters {@code from..to-1} of every sample, at inference,
   * on one thread's share ({@code Model.splitForwardConvolution}): it reads its input from the shared workspace {@code
   * ws} (or the network's input), writes its output (and its max pool's, with no winners) there, and does its window
   * copies and sums in the thread's own workspace {@code own}.
   */
  static CodeBlock splitForwardCall(LayerPlan plan) {
    return ownWeightCall(plan, "own", "null", "from, to");
  }

  /**
   * {@link #kernelCall} on the layer's own weight and bias, into its own output, with its ReLU in the kernel if it
   * has one, from sample 0: the split inference's call and the backward pass's rerun after an inference pass.
   */
  private static CodeBlock ownWeightCall(LayerPlan plan, String scratch, String winners, String filters) {
    ConvModel c = (ConvModel) plan.layer();
    String n = c.name();
    return kernelCall(plan, n + "Weight", c.bias() ? n + "Bias" : "null", ActivationCode.producerTarget(plan),
        plan.activationInKernel(), scratch, "0", winners, filters);
  }

  /**
   * The forward kernel's call: its window copies and sums in the workspace {@code scratch} names, samples from {@code
   * first} on, the pool's winners into {@code winners} (where a pool is in the kernel), filters {@code filters} (the
   * range's two expressions).
   */
  private static CodeBlock kernelCall(LayerPlan plan, String weight, String bias, String target, boolean relu,
      String scratch, String first, String winners, String filters) {
    String n = plan.layer().name();
    String pooled = plan.poolInKernel() == null ? ""
        : ", " + LayerCode.buffer(plan.poolInKernel().output()) + ", " + winners
            + (plan.quadrantOrder() ? ", " + scratch + "." + n + "Corners" : "");
    String blocks = tapBlocks(plan) ? ", " + scratch + "." + n + "PaddedGroup, " + scratch + "." + n + "TapBlocks, "
        + scratch + "." + n + "QuadrantTaps, " + scratch + "." + n + "QuadrantSums" : "";
    return CodeBlock.of(
        "$L($L, $L, $L, $L, $L.$LPadded, $L.$LColumns, $L.$LSums, $L.aligned, $L, batch, $L$L, $L$L);\n",
        Methods.pass(n, "Forward"), LayerCode.buffer(plan.input()), weight, bias, target, scratch, n, scratch, n,
        scratch, n, scratch, first, relu, pooled, filters, blocks);
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    ConvModel c = (ConvModel) plan.layer();
    String n = c.name();
    CodeBlock.Builder code = CodeBlock.builder();
    code.add(ActivationCode.fusedBackward(plan));
    String pool = "";
    if (plan.poolBackwardInKernel()) {
      LayerPlan p = plan.poolInKernel();
      // An inference pass recorded no winners (and the default build kept no output to find them in): this layer's
      // forward kernel again, recording them; the pool's output is written again, the same bits.
      code.beginControlFlow("if (!ws.training)")
          .add("// An inference pass recorded no winners: the forward kernel again, recording them.\n")
          .add(ownWeightCall(plan, "ws", LayerCode.buffer(p.argmax()), "0, " + c.filters()))
          .endControlFlow();
      pool = LayerCode.buffer(p.outputGrad()) + ", " + LayerCode.buffer(p.output()) + ", "
          + LayerCode.buffer(p.argmax()) + ", ";
    }
    return code.addStatement(
        "$L($L, $LWeight, $L, $L, $L, grads[$L], $L, ws.$LPadded, ws.$LPaddedGrad, ws.$LRows, ws.$LRowsGrad, "
            + "ws.$LWeightRows, ws.$LWeightGradRows, ws.$LNonzero, ws.$LPositionGrad, ws.$LFilters, $L$Lbatch, $L)",
        Methods.pass(n, "Backward"), LayerCode.buffer(plan.input()), n, LayerCode.buffer(plan.output()),
        LayerCode.buffer(plan.outputGrad()),
        LayerCode.buffer(plan.inputGrad()), firstGradient, c.bias() ? "grads[" + (firstGradient + 1) + "]" : "null",
        n, n, n, n, n, n, n, n, n, pool, (c.directWeightGradient() ? "ws." + n + "Listed, ws." + n + "Windows, " : "")
            + (c.wideGrid() ? "ws." + n + "Wide, ws." + n + "Lanes, " : ""),
        LayerCode.inputGradientWanted(firstGradient)).build();
  }

  /**
   * {@code conv1Pad}: readies sample {@code n}, group {@code grp} for the window copies and returns where that
   * group's first channel starts in the array they read. Without padding that array is the input itself; with
   * padding, the scratch image, whose interior this copies in and whose border stays zero.
   */
  private static MethodSpec padMethod(ConvModel c) {
    int h = c.input().height();
    int w = c.input().width();
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int xo = (n * $L + grp * $L) * $L", c.input().channels(), c.channelsPerGroup(), h * w);
    if (c.padded()) {
      int ph = c.sourceHeight();
      int pw = c.sourceWidth();
      b.beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
          .beginControlFlow("for (int ih = 0; ih < $L; ih++)", h)
          .addStatement("System.arraycopy(x, xo + ch * $L + ih * $L, padded, ch * $L + $L, $L)", h * w, w, ph * pw,
              Methods.linear("ih", pw, c.window().ph() * pw + c.window().pw()), w)
          .endControlFlow()
          .endControlFlow()
          .addStatement("return 0");
    } else {
      b.addStatement("return xo");
    }
    return Methods.kernel(Methods.pass(c.name(), "Pad"),
            "$L: readies sample n, group grp for window copies; returns where they start in the array they read.\n",
            c.name())
        .returns(TypeName.INT)
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "padded")
        .addParameter(TypeName.INT, "n")
        .addParameter(TypeName.INT, "grp")
        .addCode(b.build())
        .build();
  }

  /** The array window copies read: the padded scratch image, or the input itself. */
  private static String source(ConvModel c) {
    return c.padded() ? "padded" : "x";
  }

  /** The size of one channel of the image window copies read. */
  private static int sourcePlane(ConvModel c) {
    return c.sourceWidth() * c.sourceHeight();
  }

  /**
   * The loops shared by im2row and row2im: for each output position {@code p}, its row {@code row = rows[p]} is
   * walked in PyTorch's weight order ({@code r} counts along it) while {@code at} walks the matching input value of
   * the source image (starting at {@code so}); {@code body} is the statement for one value.
   */
  private static CodeBlock walkRows(ConvModel c, String body, Object... bodyArgs) {
    return CodeBlock.builder()
        .addStatement("int p = 0")
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", c.output().height())
        .beginControlFlow("for (int ow = 0; ow < $L; ow++)", c.output().width())
        .addStatement("float[] row = rows[p++]")
        .addStatement("int r = 0")
        .add(walkWindow(c, body, bodyArgs))
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  /** The inner loops of {@link #walkRows}: one output position's window, channel by kernel row by kernel column. */
  private static CodeBlock walkWindow(ConvModel c, String body, Object... bodyArgs) {
    CodeBlock taps = CodeBlock.builder()
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", c.window().kw())
        .addStatement(body, bodyArgs)
        .endControlFlow()
        .build();
    return walkKernelRows(c, 0, taps);
  }

  /**
   * The loops over a window's kernel rows for each one's last tap, the one the window one output column to the left
   * does not share ({@link ConvModel#shiftsRows}): {@code at} is its place in the source image (from {@code so}, at
   * output position {@code (oh, ow)}) and {@code r} its index in the window's row, which the caller starts at the
   * first kernel row's last tap and which moves on by a kernel row after {@code body}.
   */
  private static CodeBlock walkLastTaps(ConvModel c, CodeBlock body) {
    Window w = c.window();
    CodeBlock tap = CodeBlock.builder().add(body).addStatement("r += $L", w.kw()).build();
    return walkKernelRows(c, (w.kw() - 1) * w.dw(), tap);
  }

  /**
   * The loops over a window's channels and kernel rows that {@link #walkWindow} and {@link #walkLastTaps} share: in
   * each, {@code at} is the source-image index (from {@code so}, at output position {@code (oh, ow)}) of the kernel
   * row's tap {@code tapOffset} columns from its first, then {@code inner} runs.
   */
  private static CodeBlock walkKernelRows(ConvModel c, int tapOffset, CodeBlock inner) {
    Window w = c.window();
    int pw = c.sourceWidth();
    return CodeBlock.builder()
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .addStatement("int at = so + ch * $L + $L", sourcePlane(c),
            Methods.linear("oh", w.sh() * pw, "kh", w.dh() * pw, "ow", w.sw(), tapOffset))
        .add(inner)
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  /** A window-copy kernel of sample {@code n}'s group: reads {@code src} from {@code so}, fills {@code matrix}. */
  private static MethodSpec windowCopy(ConvModel c, String pass, String doc, String matrix, CodeBlock code) {
    return Methods.kernel(Methods.pass(c.name(), pass), doc, c.name())
        .addParameter(Methods.FLOATS, source(c))
        .addParameter(TypeName.INT, "so")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), matrix)
        .addCode(code)
        .build();
  }

  /**
   * {@code conv1Columns} copies the windows of one sample and group (prepared by {@code conv1Pad}, starting at
   * {@code so}) into im2col columns: row {@code k} of {@code cols} (one kernel tap of one channel, in PyTorch's
   * weight order) holds that tap's input value for every output position, from {@code base} on (the forward pass
   * lays several samples side by side).
   */
  private static MethodSpec columnsMethod(ConvModel c) {
    if (c.sharedRowColumns()) {
      return sharedRowColumnsMethod(c);
    }
    Window w = c.window();
    int oh = c.output().height();
    int ow = c.output().width();
    int pw = c.sourceWidth();
    String src = source(c);
    // With a vertical stride of 1, a tap's column is the column of the tap one kernel row up, moved on by dh output
    // rows: all but its last dh rows are one copy from that column (LeNet-5's second convolution: 18 copies per
    // channel and kernel column instead of 50).
    boolean shifted = w.sh() == 1 && w.kh() > 1 && oh > w.dh();
    // Where the horizontal stride equals the horizontal dilation, a tap's column is also the column of the tap one
    // kernel column to the left moved on by one value, but for each output row's last value, which comes from the
    // image: one copy and oh single values instead of oh copies (per sample, LeNet-5's first convolution makes 32
    // copies for its first kernel row instead of 140, its second 84 instead of 300; a copy of a short row costs
    // several times a single value). Used where the vertical move is not, on the first kernel row.
    boolean across = c.shiftsRows();
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int k = 0")
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("float[] col = cols[k]");
    if (shifted || across) {
      b.addStatement("int first = 0");
      if (shifted) {
        b.beginControlFlow("if (kh > 0)")
            .addStatement("System.arraycopy(cols[k - $L], base + $L, col, base, $L)", w.kw(), w.dh() * ow,
                (oh - w.dh()) * ow)
            .addStatement("first = $L", oh - w.dh());
      }
      if (across) {
        b.add(shifted ? "$<} else if (kw > 0) {\n$>" : "if (kw > 0) {\n$>")
            .addStatement("System.arraycopy(cols[k - 1], base + 1, col, base, $L)", oh * ow - 1)
            .beginControlFlow("for (int oh = 0; oh < $L; oh++)", oh)
            .addStatement("col[base + $L] = $L[so + ch * $L + $L]", Methods.linear("oh", ow, ow - 1), src,
                sourcePlane(c), Methods.linear("oh", w.sh() * pw, "kh", w.dh() * pw, "kw", w.dw(), (ow - 1) * w.sw()))
            .endControlFlow()
            .addStatement("first = $L", oh);
      }
      b.endControlFlow().beginControlFlow("for (int oh = first; oh < $L; oh++)", oh);
    } else {
      b.beginControlFlow("for (int oh = 0; oh < $L; oh++)", oh);
    }
    b.addStatement("int from = so + ch * $L + $L", sourcePlane(c),
        Methods.linear("oh", w.sh() * pw, "kh", w.dh() * pw, "kw", w.dw(), 0));
    if (w.sw() == 1) {
      b.addStatement("System.arraycopy($L, from, col, base + oh * $L, $L)", src, ow, ow);
    } else {
      b.addStatement("int po = base + oh * $L", ow)
          .beginControlFlow("for (int ow = 0; ow < $L; ow++)", ow)
          .addStatement("col[po + ow] = $L[from + ow * $L]", src, w.sw())
          .endControlFlow();
    }
    b.endControlFlow().addStatement("k++").endControlFlow().endControlFlow().endControlFlow();
    return columnsKernel(c, "Columns",
        CodeBlock.of("$L: copies one sample and group's windows into im2col columns, from column base on.\n", c.name()),
        b.build());
  }

  /**
   * {@code conv1Rows} copies the windows of one sample and group (prepared by {@code conv1Pad}, starting at
   * {@code so}) into im2row rows: {@code rows[p]} holds output position {@code p}'s window in PyTorch's weight order.
   * Where the horizontal stride equals the horizontal dilation (both 1 in most nets), the window one output column to
   * the right is the previous one moved on by one tap in every kernel row: all of its row but each kernel row's last
   * tap is one {@code System.arraycopy} of the previous row from its second value on, and only those last taps come
   * from the image. LeNet-5's second convolution copies 30 values from the image per row instead of 150 (the rest
   * one copy of 149).
   */
  private static MethodSpec rowsMethod(ConvModel c) {
    Window w = c.window();
    String copy = "row[r++] = $L[at + $L]";
    Object[] copyArgs = {source(c), Methods.linear("kw", w.dw(), 0)};
    String doc = "$L: copies one sample and group's windows into im2row rows.\n";
    int width = c.output().width();
    if (!c.shiftsRows()) {
      return windowCopy(c, "Rows", doc, "rows", walkRows(c, copy, copyArgs));
    }
    int length = ConvModel.rowLength(c);
    CodeBlock code = CodeBlock.builder()
        .addStatement("int p = 0")
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", c.output().height())
        .addStatement("float[] row = rows[p++]")
        .addStatement("int ow = 0")
        .addStatement("int r = 0")
        .add(walkWindow(c, copy, copyArgs))
        .beginControlFlow("for (ow = 1; ow < $L; ow++)", width)
        .addStatement("float[] previous = row")
        .addStatement("row = rows[p++]")
        .add("// The previous window moved on by one tap; then each kernel row's last tap from the image.\n")
        .addStatement("System.arraycopy(previous, 1, row, 0, $L)", length - 1)
        .addStatement("r = $L", w.kw() - 1)
        .add(walkLastTaps(c, CodeBlock.of("row[r] = $L[at];\n", source(c))))
        .endControlFlow()
        .endControlFlow()
        .build();
    return windowCopy(c, "Rows", doc, "rows", code);
  }

  /**
   * {@code conv1RowsBackward} adds the row gradients of sample {@code n}, group {@code grp} onto the input gradient
   * (row2im), for a layer whose windows do not move on by one tap per output column ({@link
   * ConvModel#shiftsRows}; the others use {@link #inputGradientMethod}). A padded layer adds them into a scratch image
   * of its own (cleared first, its border catching the gradients of the padding) and then adds its interior to the
   * input gradient, so that no addition needs a bounds test.
   */
  private static MethodSpec rowsBackwardMethod(ConvModel c) {
    CodeBlock.Builder b = CodeBlock.builder().add(openInputGradient(c))
        .add(walkRows(c, "$L[at + $L] += row[r++]", inputGradientTarget(c),
            Methods.linear("kw", c.window().dw(), 0)))
        .add(closeInputGradient(c));
    MethodSpec.Builder m = Methods.kernel(Methods.pass(c.name(), "RowsBackward"),
            "$L: adds the row gradients of sample n, group grp onto the input gradient (row2im).\n", c.name())
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "rows");
    return withSampleParameters(m, c, b.build());
  }

  /**
   * {@code conv1InputGradient}, for a layer whose windows move on by one tap per output column ({@link
   * ConvModel#shiftsRows}): sample {@code n}, group {@code grp}'s input gradient from its output gradients listed by
   * position ({@code positionGrad}), im2row's converse without the rows. Output row by output row, from its last
   * window to its first, one row of window gradients ({@code acc}) carries the sum: it is moved on by one tap (the
   * window before this one is this one moved back a column, so what this window's taps leave to its neighbour lands
   * on the right taps), this position's filters add their weight rows onto it (several per pass), then each kernel
   * row's last tap, which no window to the left shares, goes to the image and is cleared; the row's first window
   * goes to the image whole. Against one row gradient per position and a row2im pass after (LeNet-5's second
   * convolution, training step at batch 64, scratch per-layer timer: 387 + 267 -> 535 µs), it skips clearing and
   * re-reading a row per position (60 KiB a sample, out of L1) and the separate addition of each moved row.
   */
  private static MethodSpec inputGradientMethod(ConvModel c) {
    Window w = c.window();
    int k = ConvModel.rowLength(c);
    int width = c.output().width();
    int fpg = c.filtersPerGroup();
    String target = inputGradientTarget(c);
    CodeBlock.Builder b = CodeBlock.builder().add(openInputGradient(c))
        .addStatement("java.util.Arrays.fill(acc, 0f)")
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", c.output().height())
        .beginControlFlow("for (int ow = $L; ow >= 0; ow--)", width - 1)
        .beginControlFlow("if (ow < $L)", width - 1)
        .add("// The sum so far, moved on by one tap: each kernel row's first tap takes a cleared last tap.\n")
        .addStatement("System.arraycopy(acc, 0, acc, 1, $L)", k - 1)
        .addStatement("acc[0] = 0f")
        .endControlFlow()
        .addStatement("int pf = (oh * $L + ow) * $L", width, fpg)
        .add(Methods.listNonZero("filters", "i", "0", String.valueOf(fpg), "positionGrad[pf + i]"))
        .add(Methods.addListedRows("filters", "positionGrad[pf + %s]", "wRows[grp * " + fpg + " + %s]", "acc", k))
        .beginControlFlow("if (ow > 0)")
        .addStatement("int r = $L", w.kw() - 1)
        .add(walkLastTaps(c, CodeBlock.builder().addStatement("$L[at] += acc[r]", target)
            .addStatement("acc[r] = 0f").build()))
        .nextControlFlow("else")
        .addStatement("int r = 0")
        .add(walkWindow(c, "$L[at + $L] += acc[r++]", target, Methods.linear("kw", w.dw(), 0)))
        .addStatement("java.util.Arrays.fill(acc, 0f)")
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .add(closeInputGradient(c));
    MethodSpec.Builder m = Methods.kernel(Methods.pass(c.name(), "InputGradient"),
            "$L: adds the input gradient of sample n, group grp, from its output gradients by position.\n",
            c.name())
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(Methods.FLOATS, "positionGrad")
        .addParameter(Methods.INTS, "filters")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wRows");
    return withSampleParameters(m, c, b.build());
  }

  /**
   * The input-gradient kernels' last parameters (the padded scratch image's gradient where the layer pads, then the
   * sample {@code n} and group {@code grp}) and their code.
   */
  private static MethodSpec withSampleParameters(MethodSpec.Builder m, ConvModel c, CodeBlock code) {
    if (c.padded()) {
      m.addParameter(Methods.FLOATS, "paddedGrad");
    }
    return m.addParameter(TypeName.INT, "n").addParameter(TypeName.INT, "grp").addCode(code).build();
  }

  /** Where a layer's input-gradient kernels add: the padded scratch image, or the input gradient itself. */
  private static String inputGradientTarget(ConvModel c) {
    return c.padded() ? "paddedGrad" : "gx";
  }

  /** The input-gradient kernels' start: {@code xo}, the sample's group in gx, and {@code so}, where they add. */
  private static CodeBlock openInputGradient(ConvModel c) {
    CodeBlock.Builder b = CodeBlock.builder().addStatement("int xo = (n * $L + grp * $L) * $L",
        c.input().channels(), c.channelsPerGroup(), c.input().height() * c.input().width());
    if (c.padded()) {
      return b.addStatement("java.util.Arrays.fill(paddedGrad, 0f)").addStatement("int so = 0").build();
    }
    return b.addStatement("int so = xo").build();
  }

  /** The input-gradient kernels' end: a padded layer adds its scratch image's interior to the input gradient. */
  private static CodeBlock closeInputGradient(ConvModel c) {
    if (!c.padded()) {
      return CodeBlock.of("");
    }
    return CodeBlock.of("$L(gx, paddedGrad, xo);\n", Methods.pass(c.name(), "Unpad"));
  }

  /**
   * Forward: a few samples' columns side by side (see {@link ConvModel#samplesPerPass}), then, for each block of
   * filters whose accumulator rows fit in L1 ({@link ConvModel#filtersPerPass}), the block's products and their
   * outputs ({@link #outputsMethod}: the ReLU, the stored output, the fused pool). Where the group of samples is whole
   * (every batch but its last group), the block's filters sum four to six at a time in slots of the workspace's
   * aligned arena ({@link #arenaBlocks}, {@link #groupProductsMethod}), three column rows a pass, and their outputs are
   * taken from there; so do one sample's (batch 1, a last group of one) over its own positions. The filters left over
   * (fewer than four), and every filter of a last group of two or more samples short of a whole one, go through
   * {@link #productsMethod}, two column rows per pass over four filters' accumulator rows. The columns and those rows
   * hold their data from {@code NetworkPlan.ALIGNED_ROW_START} ({@code lo}; from 0 with the Vector API kernels, which
   * read them there), so that every loop indexes its arrays from the same offset, which is what lets C2 vectorise it.
   * The bias may be null (none), and {@code relu} clamps the sums: the layer's own ReLU, or that of a batch norm
   * folded into the layer at inference.
   */
  private MethodSpec forwardMethod(ConvModel c, PoolModel pool, boolean quadrants) {
    int k = ConvModel.rowLength(c);
    int positions = c.positions();
    int fpg = c.filtersPerGroup();
    int samples = c.samplesPerPass();
    int block = c.filtersPerPass();
    String outputs = Methods.pass(c.name(), "Outputs");
    String poolArgs = pool == null ? "" : quadrants ? ", pooled, arg, corners" : ", pooled, arg";
    CodeBlock.Builder b = CodeBlock.builder()
        .add("// Where the columns and sums hold their data: see the method's comment. ENABLED is a constant to C2.\n")
        .addStatement("int lo = $T.ENABLED ? 0 : $L", Methods.VECTOR_BACKEND, Methods.ROW_START)
        .addStatement("int n0 = first");
    boolean blocks = quadrants && c.tapBlocks();
    if (blocks) {
      // The default build takes whole groups of samples from shared tap blocks (ConvModel.tapBlocks), the samples
      // left over from the columns below. ENABLED is a constant to C2.
      b.beginControlFlow("if (!$T.ENABLED)", Methods.VECTOR_BACKEND)
          .beginControlFlow("for (; n0 + $L <= batch; n0 += $L)", c.tapBlockSamples(), c.tapBlockSamples())
          .add(tapBlocksForwardCall(c, c.tapBlockSamples()))
          .endControlFlow();
      if (c.oneSampleTapBlocks()) {
        // The samples the whole groups leave (batch 1 is all such), one at a time from their own tap blocks
        // (ConvModel.oneSampleTapBlocks); the columns below are then the Vector API build's only.
        b.beginControlFlow("for (; n0 < batch; n0++)")
            .add(tapBlocksForwardCall(c, 1))
            .endControlFlow();
      }
      b.endControlFlow();
    }
    b.beginControlFlow("for (; n0 < batch; n0 += $L)", samples)
        .addStatement("int nb = Math.min($L, batch - n0)", samples)
        .addStatement("int len = nb * $L", positions)
        .beginControlFlow("for (int grp = 0; grp < $L; grp++)", c.groups())
        .add("// This group's filters within filterFrom..filterTo-1 (all of them but where inference shares the\n")
        .add("// filters out among threads: Model.splitForwardConvolution).\n")
        .addStatement("int g0 = Math.max(grp * $L, filterFrom), g1 = Math.min(grp * $L + $L, filterTo)", fpg, fpg,
            fpg)
        .beginControlFlow("if (g0 >= g1)")
        .addStatement("continue")
        .endControlFlow();
    if (quadrants && c.quadrantsHoldGroups()) {
      // The Vector API kernels' columns sample by sample in the usual order; the default build's for the whole group
      // at once, in quadrant order with the samples inside each quadrant (see groupQuadrantColumnsMethod).
      b.beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
          .beginControlFlow("for (int i = 0; i < nb; i++)")
          .addStatement("$L($L, $L(x, padded, n0 + i, grp), cols, lo + i * $L)", Methods.pass(c.name(), "Columns"),
              source(c), Methods.pass(c.name(), "Pad"), positions)
          .endControlFlow()
          .nextControlFlow("else if (nb == 1)");
      // One sample (batch 1): the same layout, by the copies of constant lengths (the group's took LeNet-5's batch 1
      // from 26.8 to 28.4 µs).
      CodeBlock quadrantColumns = CodeBlock.of("$L($L, $L(x, padded, n0, grp), cols, lo);\n",
          Methods.pass(c.name(), "QuadrantColumns"), source(c), Methods.pass(c.name(), "Pad"));
      if (c.sharedRowColumns()) {
        // Outside training, its columns in the usual order, cut from shared rows, and the pool over its sums in that
        // order (rowsPoolMethod): LeNet-5's second convolution at batch 1, 3.2 against 4.3 µs for the quadrant
        // columns, the pool the same. In training, the quadrant columns, whose pool records the winners.
        b.beginControlFlow("if (arg == null)")
            .addStatement("$L($L, $L(x, padded, n0, grp), cols, lo)", Methods.pass(c.name(), "Columns"), source(c),
                Methods.pass(c.name(), "Pad"))
            .nextControlFlow("else")
            .add(quadrantColumns)
            .endControlFlow();
      } else {
        b.add(quadrantColumns);
      }
      b.nextControlFlow("else")
          .addStatement("$L(x, padded, n0, nb, grp, cols, lo)", Methods.pass(c.name(), "GroupColumns"))
          .endControlFlow();
    } else {
      b.beginControlFlow("for (int i = 0; i < nb; i++)");
      if (quadrants) {
        // The default build's columns in quadrant order (see quadrantColumnsMethod); the Vector API kernels' in the
        // usual order.
        b.addStatement("int so = $L(x, padded, n0 + i, grp)", Methods.pass(c.name(), "Pad"))
            .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
            .addStatement("$L($L, so, cols, lo + i * $L)", Methods.pass(c.name(), "Columns"), source(c), positions)
            .nextControlFlow("else")
            .addStatement("$L($L, so, cols, lo + i * $L)", Methods.pass(c.name(), "QuadrantColumns"), source(c),
                positions)
            .endControlFlow();
      } else {
        b.addStatement("$L($L, $L(x, padded, n0 + i, grp), cols, lo + i * $L)", Methods.pass(c.name(), "Columns"),
            source(c), Methods.pass(c.name(), "Pad"), positions);
      }
      b.endControlFlow();
    }
    b.beginControlFlow("for (int f0 = g0; f0 < g1; f0 += $L)", block)
        .addStatement("int f1 = Math.min(f0 + $L, g1)", block)
        .addStatement("int fa = f0");
    if (fpg >= FEW_REGISTERS_BLOCK) {
      b.add("// The filters summed in the aligned arena, three to six at a time: a whole group of samples, or one\n")
          .add("// sample alone, the lengths the passes are written for.\n")
          .beginControlFlow("if (!$T.ENABLED && nb == $L)", Methods.VECTOR_BACKEND, samples);
      arenaBlocks(b, c, groupLength(c), poolArgs);
      if (samples > 1) {
        // One sample (batch 1, or a batch's last group of one): its own passes over its positions.
        b.nextControlFlow("else if (!$T.ENABLED && nb == 1)", Methods.VECTOR_BACKEND);
        arenaBlocks(b, c, c.positions(), poolArgs);
      }
      b.endControlFlow();
    }
    b.beginControlFlow("if (fa < f1)")
        .add("// The opt-in Vector API kernel (-Dkiln.vector=true); ENABLED is a constant to C2.\n")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .addStatement("$T.convForward(w, b, cols, sums, fa, f1 - fa, len, $L)", Methods.VECTOR_BACKEND, k)
        .nextControlFlow("else")
        .addStatement("$L(w, b, cols, sums, fa, f1, lo, lo + len)", Methods.pass(c.name(), "Products"))
        .endControlFlow()
        .beginControlFlow("for (int f = fa; f < f1; f++)")
        .addStatement("$L(sums[f - fa], lo, f, n0, nb, y, relu$L)", outputs, poolArgs)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), "Forward"), "$L forward: $L -> $L, $L.\n", c.name(), c.input(),
            c.output(), c.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.FLOATS, "padded")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(TypeName.INT, "first")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "relu")
        .addParameters(poolParameters(pool, quadrants))
        .addParameter(TypeName.INT, "filterFrom")
        .addParameter(TypeName.INT, "filterTo")
        .addParameters(blocks ? tapBlockParameters() : List.of())
        .addCode(b.build())
        .build();
  }

  /** Whether the layer's forward kernel takes the tap blocks' buffers ({@link ConvModel#tapBlocks}). */
  static boolean tapBlocks(LayerPlan plan) {
    return plan.quadrantOrder() && ((ConvModel) plan.layer()).tapBlocks();
  }

  /** The tap blocks' buffers, as the forward kernel and {@link #tapBlocksForwardMethod} take them. */
  private static List<ParameterSpec> tapBlockParameters() {
    return List.of(ParameterSpec.builder(Methods.FLOATS, "paddedGroup").build(),
        ParameterSpec.builder(ArrayTypeName.of(Methods.FLOATS), "tapBlocks").build(),
        ParameterSpec.builder(ArrayTypeName.of(ArrayTypeName.of(Methods.FLOATS)), "quadrantTaps").build(),
        ParameterSpec.builder(ArrayTypeName.of(Methods.FLOATS), "quadrantSums").build());
  }

  /**
   * The fused pool's parameters of the forward kernel and of {@link #outputsMethod}: none without a pool; with the
   * positions in quadrant order, the rows the pool copies its corners' blocks into ({@link #poolMethod}).
   */
  private static List<ParameterSpec> poolParameters(PoolModel pool, boolean quadrants) {
    if (pool == null) {
      return List.of();
    }
    List<ParameterSpec> parameters = new java.util.ArrayList<>(List.of(
        ParameterSpec.builder(Methods.FLOATS, "pooled").build(), ParameterSpec.builder(Methods.INTS, "arg").build()));
    if (quadrants) {
      parameters.add(ParameterSpec.builder(ArrayTypeName.of(Methods.FLOATS), "corners").build());
    }
    return parameters;
  }

  /**
   * The positions a whole group of samples' columns hold ({@link ConvModel#samplesPerPass} samples side by side): the
   * length of the rows the forward pass's group passes run over ({@code Methods.groupPassesMethod}).
   */
  static int groupLength(ConvModel c) {
    return c.samplesPerPass() * c.positions();
  }

  /**
   * Filters a block of the forward pass's arena sums at least and at most ({@link #arenaBlocks}): C2 (JDK 17)
   * vectorises three column rows into four, five or six slots read at indices that follow the pass's counter, with
   * {@code Math.fma}, and kept seven or eight scalar, and five or six too with the plain multiply and add, which then
   * keeps blocks of four (scratch harness: 4, 5 and 6 slots at 16.5, 15.3 and 17.5 ps a multiply-add over 400
   * positions; 21.7, 15.7 and 16.7 over 784, where LeNet-5's first convolution's six filters had gone as four and two
   * left over on the two-row passes; {@code KernelShapes}, "slots", reruns the 400). Those figures are from an AMD
   * Zen 5 with AVX-512's 32 vector registers; with AVX2's 16 (an AMD Zen 2) the wider bodies spill, 60 filters over 400
   * positions taking 91.7, 123.7 and 130.7 µs in 4, 5 and 6 slots ({@code KernelShapes}), so blocks wider than four are
   * for {@code Registers.MANY} only.
   */
  static final int MIN_BLOCK = 4;

  /**
   * The block where C2 has 16 vector registers ({@code Registers.MANY} false): three column rows into four slots keep
   * twelve weights in registers besides the three rows' elements and the four sums, and C2 spills three of them to
   * the stack, reloaded on every step; three slots fit. {@code KernelShapes} ("slots", 60 filters over 400
   * positions) on an AMD Zen 2 (AVX2): three slots 84.9 µs against four's 90.4. A block of three is generated only
   * for such hosts' sake, and four filters left go as one block of four rather than three and a lone filter.
   */
  static final int FEW_REGISTERS_BLOCK = 3;

  static final int MAX_BLOCK = 6;

  /**
   * The forward pass's blocks of filters summed in the aligned arena over columns of {@code length} positions (a
   * whole group of samples, or one sample), each block's outputs taken from its slots: while at least {@link
   * #MIN_BLOCK} filters are left, a block of as near an equal share as blocks of at most {@link #MAX_BLOCK} allow (16
   * filters as 6, 5 and 5; 7 as 4 and three left over for the two-row passes), or of four where the multiply-add is
   * not fused. Where C2 has 16 vector registers, blocks of {@link #FEW_REGISTERS_BLOCK} while three or more are left,
   * but a last four as one block (16 filters as 3, 3, 3, 3 and 4; 6 as 3 and 3; 5 as 3 and two left over).
   */
  private static void arenaBlocks(CodeBlock.Builder b, ConvModel c, int length, String poolArgs) {
    blockWidth(b, c);
    widthSwitch(b, c, length, "cols");
    b.beginControlFlow("for (int t = 0; t < width; t++)")
        .addStatement("$L(acc, $L + t * $L, fa + t, n0, nb, y, relu$L)", Methods.pass(c.name(), "Outputs"),
            Methods.slot(0, length), Methods.slot(1, length) - Methods.slot(0, length), poolArgs)
        .endControlFlow()
        .addStatement("fa += width")
        .endControlFlow();
  }

  /**
   * Opens {@link #arenaBlocks}' loop over the blocks of filters {@code fa..f1-1} and declares the block's {@code
   * width}; the caller closes the loop.
   */
  private static void blockWidth(CodeBlock.Builder b, ConvModel c) {
    int widest = Math.min(MAX_BLOCK, c.filtersPerGroup());
    // MANY is a constant to C2: with 16 registers, blocks of three (four where exactly four are left).
    b.beginControlFlow("while (f1 - fa >= ($T.MANY ? $L : $L))", REGISTERS, MIN_BLOCK, FEW_REGISTERS_BLOCK);
    if (widest < MIN_BLOCK) {
      b.addStatement("int width = $L", FEW_REGISTERS_BLOCK);
    } else if (widest > MIN_BLOCK) {
      // Blocks of five or six with the fused multiply-add and 32 vector registers only: C2 kept the plain multiply
      // and add's wider bodies scalar (VectorizedKernelsTest, kiln.fma=false), and with 16 registers the wider
      // bodies spill (MAX_BLOCK). FUSED and MANY are constants to C2.
      b.addStatement("int most = $T.FUSED && $T.MANY ? $L : $L", Methods.MULTIPLY_ADD, REGISTERS, widest, MIN_BLOCK)
          .addStatement("int blocks = (f1 - fa + most - 1) / most")
          .addStatement("int width = $T.MANY ? Math.max($L, (f1 - fa + blocks - 1) / blocks) : f1 - fa == $L ? $L : $L",
              REGISTERS, MIN_BLOCK, MIN_BLOCK, MIN_BLOCK, FEW_REGISTERS_BLOCK);
    } else {
      b.addStatement("int width = $T.MANY || f1 - fa == $L ? $L : $L", REGISTERS, MIN_BLOCK, MIN_BLOCK,
          FEW_REGISTERS_BLOCK);
    }
  }

  /**
   * The call of the arena products ({@link #groupProductsMethod}) of the block of {@code width} filters from {@code
   * fa} over the column rows {@code cols} (an expression) of {@code length} positions.
   */
  private static void widthSwitch(CodeBlock.Builder b, ConvModel c, int length, String cols) {
    int widest = Math.min(MAX_BLOCK, c.filtersPerGroup());
    b.beginControlFlow("switch (width)");
    for (int width = FEW_REGISTERS_BLOCK; width <= widest; width++) {
      b.add("case $L:\n$>", width)
          .addStatement("$L(w, b, $L, acc, fa)", groupProductsName(c, length, width), cols)
          .addStatement("break$<");
    }
    b.add("default:\n$>")
        .addStatement("throw new $T(\"no block of \" + width + \" filters\")", IllegalStateException.class)
        .add("$<")
        .endControlFlow();
  }

  /**
   * The widths of the blocks {@link #arenaBlocks} may take for this layer: {@link #FEW_REGISTERS_BLOCK} up to its
   * filters, at most {@link #MAX_BLOCK}.
   */
  private static java.util.stream.IntStream blockWidths(ConvModel c) {
    return java.util.stream.IntStream.rangeClosed(FEW_REGISTERS_BLOCK, Math.min(MAX_BLOCK, c.filtersPerGroup()));
  }

  /**
   * The name of {@link #groupProductsMethod} for {@code width} filters over {@code length} positions: {@code
   * conv2Filters6Over400} for a whole group of samples, {@code conv2Filters6Over100} for one sample's 100.
   */
  private static String groupProductsName(ConvModel c, int length, int width) {
    return c.name() + "Filters" + width + "Over" + length;
  }

  /**
   * The forward products of {@code width} filters, {@code f..f+width-1}, over a whole group of samples' columns or
   * one sample's, into slots 0 to {@code width - 1} of the aligned arena {@code acc}: each slot filled with its
   * filter's bias (zero where there is none), then every column row added in tap order, times the filters' weights,
   * three rows a pass ({@link #tapPassesMethods}). The sums are the same bits as {@link #productsMethod}'s: each
   * starts from the bias and adds its products in tap order. Scratch harness (LeNet-5's second convolution, 16
   * filters over four samples' 400 positions, one thread): 14.5 ps a multiply-add in blocks of four against 20.2 for
   * the two-row passes over separate rows.
   *
   * <p>{@code length} is a whole group's positions ({@link #groupLength}) or, where a group holds several samples,
   * one sample's: batch 1 and a batch's last group of one. A last group of two or three samples keeps the two-row
   * passes.
   */
  private static MethodSpec groupProductsMethod(ConvModel c, int length, int width) {
    int k = ConvModel.rowLength(c);
    int rows = Methods.ALIGNED_ROWS_PER_GROUP_PASS;
    int full = k / rows * rows;
    CodeBlock.Builder b = CodeBlock.builder();
    for (int t = 0; t < width; t++) {
      int slot = Methods.slot(t, length);
      b.addStatement("java.util.Arrays.fill(acc, $L, $L, b == null ? 0f : b[f$L])", slot,
          slot + Methods.alignedBound(length), t == 0 ? "" : " + " + t);
    }
    b.addStatement("$L(acc, cols, w, f, 0, $L)", tapPassesName(c, length, width, false), full);
    if (full < k) {
      b.addStatement("$L(acc, cols, w, f, $L, $L)", tapPassesName(c, length, width, true), full, k);
    }
    return Methods.kernel(groupProductsName(c, length, width),
            "$L forward, the products of filters {@code f..f+$L} over $L columns, into the first $L slots of the\n"
                + "aligned arena {@code acc}.\n", c.name(), width - 1,
            length == groupLength(c) ? "a whole group of samples'" : "one sample's", width)
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(TypeName.INT, "f")
        .addCode(b.build())
        .build();
  }

  /** {@link #groupProductsMethod} and its {@link #tapPassesMethods} for each of {@link #blockWidths}. */
  private static List<MethodSpec> arenaMethods(ConvModel c, int length) {
    List<MethodSpec> methods = new java.util.ArrayList<>();
    blockWidths(c).forEach(width -> {
      methods.add(groupProductsMethod(c, length, width));
      methods.addAll(tapPassesMethods(c, length, width));
    });
    return methods;
  }

  /**
   * The name of a {@link #tapPassesMethods} method for {@code width} filters over columns of {@code length} positions:
   * {@code conv2AddTaps6x400}, or {@code conv2AddTapsLeft6x400} for the taps the three-row passes leave.
   */
  private static String tapPassesName(ConvModel c, int length, int width, boolean left) {
    return c.name() + (left ? "AddTapsLeft" : "AddTaps") + width + "x" + length;
  }

  /**
   * The passes of {@link #groupProductsMethod}: column rows (taps) {@code from..to-1} added into slots 0 to {@code
   * width - 1} of the aligned arena, each times its filter's weight for that tap, read straight from the weight ({@code
   * w[wf0 + j]}, filter {@code f} first). Three rows a pass in one method ({@code conv2AddTaps6x400}), a multiple of
   * three; the one or two rows a filter's taps leave (a fixed number: the layer's taps are) in a second ({@code
   * conv2AddTapsLeft6x400}, generated only where the tap count leaves some): in the same method, a pass after the loop
   * left that loop scalar ({@code Methods.groupPassesLeftMethod}). The weights are read at indices that follow the
   * pass's counter, which C2 (JDK 17) needs to vectorise the three-row loop (read at an index loaded from a list, it
   * stayed scalar; see {@code Methods.addListedRowsToGroupAligned}, whose copy of the values into the arena these
   * passes no longer need: the convolution's taps are in order and its weights are values already), and the taps' range
   * comes as parameters (with constant bounds C2 left it scalar, {@code KernelShapes}). {@code KernelShapes}, "taps",
   * LeNet-5's second convolution's 16 filters in blocks of four: 6.1 against 7.1 µs over one sample's 100 positions,
   * 13.6 against 14.8 over four samples' 400, for the passes with the copy into the arena; the same bits.
   *
   * <p>Each passes method starts with range checks of its arguments, which also keep its bytecode over C2's inlining
   * limit for a hot call (HotSpot's {@code FreqInlineSize}, 325 bytes on x86-64 and AArch64): a passes method inlined
   * into the method that calls it was compiled with its loop scalar. Blocks of three filters, whose passes came to
   * about 313 bytes without the checks, ran LeNet-5's batch-1 inference at 70.3 µs against 27.8 with blocks of four
   * (whose passes, about 390 bytes, were never inlined), and at 27.3 with the same code under {@code
   * -XX:CompileCommand=dontinline} for the three-filter passes (AMD Zen 2, {@code SideBySide}). {@code
   * GeneratedCodeTest} (samples) checks that every passes method the sample networks have is over the limit.
   */
  private static List<MethodSpec> tapPassesMethods(ConvModel c, int length, int width) {
    return slotPassesMethods(tapPassesName(c, length, width, false), tapPassesName(c, length, width, true),
        ConvModel.rowLength(c), length, width, PassWords.CONVOLUTION);
  }

  /**
   * What a {@link #slotPassesMethods} method's comments call its positions, the units whose slots it sums into and
   * the rows' index: a convolution's positions, filters and taps, or a narrow dense layer's samples, outputs and
   * inputs ({@code DenseCode.columnsMethods}).
   */
  record PassWords(String positions, String unit, String tap) {
    static final PassWords CONVOLUTION = new PassWords("positions", "filter", "tap");
  }

  /**
   * The passes methods of {@link #tapPassesMethods}, named {@code name} and {@code leftName}, for {@code k} rows into
   * {@code width} slots over rows of {@code length} positions: the three-row passes with their range checks, and the
   * pass of the one or two rows they leave where {@code k} leaves some. A narrow dense layer's forward pass runs the
   * same methods over its samples ({@code DenseCode.columnsMethods}).
   */
  static List<MethodSpec> slotPassesMethods(String name, String leftName, int k, int length, int width,
      PassWords words) {
    int rows = Methods.ALIGNED_ROWS_PER_GROUP_PASS;
    List<MethodSpec> methods = new java.util.ArrayList<>();
    CodeBlock.Builder all = CodeBlock.builder()
        .add("// The rows and the $Ls' weights checked up front; the checks also keep this method's bytecode over\n",
            words.unit())
        .add("// C2's inlining limit for hot calls (FreqInlineSize, 325 bytes): inlined, its loop stayed scalar.\n")
        .addStatement("$T.checkFromToIndex(from, to, rows.length)", java.util.Objects.class)
        .addStatement("$T.checkFromIndexSize(f * $L, $L, w.length)", java.util.Objects.class, k, width * k)
        .addStatement(filterOffsets(k, width))
        .beginControlFlow("for (int j = from; j + $L < to; j += $L)", rows - 1, rows);
    tapPass(all, length, width, rows);
    all.endControlFlow();
    methods.add(slotPassesMethod(name, all.build(),
        "Adds column rows {@code from..to-1}, a multiple of " + rows + ", into the first " + width + " slots of the "
            + "aligned arena {@code acc},\nover " + length + " " + words.positions() + ", each times its "
            + words.unit() + "'s weight for that " + words.tap() + " (" + words.unit() + "s {@code f..f+"
            + (width - 1) + "}): " + rows + " rows a pass,\nalone in a method so that C2 vectorises it.\n"));
    if (k % rows != 0) {
      // The row count is fixed, so the rows left are too: one pass of exactly that many.
      CodeBlock.Builder left = CodeBlock.builder().addStatement(filterOffsets(k, width))
          .addStatement("int j = from");
      tapPass(left, length, width, k % rows);
      methods.add(slotPassesMethod(leftName, left.build(),
          (k % rows == 1 ? "The last column row" : "The last " + (k % rows) + " column rows")
              + " ({@code from} on), which {@code " + name + "} leaves, added into "
              + "the\nfirst " + width + " slots of the aligned arena {@code acc} in one pass.\n"));
    }
    return methods;
  }

  private static MethodSpec slotPassesMethod(String name, CodeBlock body, String doc) {
    return Methods.kernel(name, doc.replace("$", "$$"))
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "rows")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(TypeName.INT, "f")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addCode(body)
        .build();
  }

  /** Where filters {@code f..f+width-1}'s weights start: {@code int wf0 = f * k, wf1 = wf0 + k, ...}. */
  static String filterOffsets(int k, int width) {
    String[] offsets = new String[width];
    for (int t = 0; t < width; t++) {
      offsets[t] = "wf" + t + " = " + (t == 0 ? "f * " + k : "wf" + (t - 1) + " + " + k);
    }
    return "int " + String.join(", ", offsets);
  }

  /**
   * One pass over {@code rows} column rows from {@code j} into slots 0 to {@code width - 1}: {@code acc[slot + i] =
   * madd(v02, c2, madd(v01, c1, madd(v00, c0, acc[slot + i])))} for filter 0, and so on, over {@code
   * Methods.alignedBound(length)} positions from {@code Methods.ROW_START}.
   */
  static void tapPass(CodeBlock.Builder b, int length, int width, int rows) {
    String[] rowRefs = new String[rows];
    String[] columns = new String[rows];
    for (int e = 0; e < rows; e++) {
      rowRefs[e] = "r" + e + " = rows[j" + (e == 0 ? "" : " + " + e) + "]";
      columns[e] = "c" + e + " = r" + e + "[" + Methods.ROW_START + " + i]";
    }
    b.addStatement("float[] $L", String.join(", ", rowRefs));
    for (int t = 0; t < width; t++) {
      String[] values = new String[rows];
      for (int e = 0; e < rows; e++) {
        values[e] = "v" + t + e + " = w[wf" + t + " + j" + (e == 0 ? "" : " + " + e) + "]";
      }
      b.addStatement("float $L", String.join(", ", values));
    }
    b.beginControlFlow("for (int i = 0; i < $L; i++)", Methods.alignedBound(length))
        .addStatement("float $L", String.join(", ", columns));
    for (int t = 0; t < width; t++) {
      String target = "acc[" + Methods.slot(t, length) + " + i]";
      b.addStatement("$L = $L", target, Methods.maddChain(target, "v" + t, "c", "", rows));
    }
    b.endControlFlow();
  }

  /**
   * Filter {@code f}'s outputs for samples {@code n0..n0+nb-1}, from its sums in {@code s} from {@code so} (an
   * accumulator row, or a slot of the aligned arena), while they are in L1: the ReLU in place ({@code relu}), the
   * layer's output, and the fused max pool's (with its winners in training, {@code arg} not null).
   */
  private static MethodSpec outputsMethod(ConvModel c, PoolModel pool, boolean poolBackwardInKernel,
      boolean quadrants) {
    int positions = c.positions();
    CodeBlock.Builder b = CodeBlock.builder()
        .add("// The ReLU, on the sums while they are in L1, before they are stored.\n");
    if (poolBackwardInKernel) {
      // Nothing but the pool reads the sums in the default build (below), and it takes the ReLU of each window's
      // maximum, which is the maximum of the clamped values: a quarter of the work. The Vector API kernels store
      // the output and pool the clamped sums.
      b.beginControlFlow("if (relu && $T.ENABLED)", Methods.VECTOR_BACKEND);
    } else {
      b.beginControlFlow("if (relu)");
    }
    b.addStatement("$T.reluInPlace(s, so, nb * $L)", ActivationCode.ACTIVATIONS, positions)
        .endControlFlow();
    if (pool != null && quadrants && c.quadrantsHoldGroups()) {
      // The default build's group holds its samples side by side within each quadrant: the pool of all of them in one
      // call, over blocks nb times as long (outside training; the winners go sample by sample).
      b.beginControlFlow("if (!$T.ENABLED && arg == null)", Methods.VECTOR_BACKEND);
      if (c.sharedRowColumns()) {
        // One sample's sums are in the usual order (its columns were cut from shared rows: forwardMethod).
        b.beginControlFlow("if (nb == 1)")
            .addStatement("$L(s, so, pooled, n0 * $L + f * $L$L)", Methods.pass(c.name(), "RowsPool"),
                pool.output().size(), pool.output().height() * pool.output().width(),
                poolBackwardInKernel ? ", relu" : "")
            .addStatement("return")
            .endControlFlow();
      }
      b.addStatement("$L(s, so, pooled, n0 * $L + f * $L, corners, nb * $L, nb$L)", Methods.pass(c.name(), "Pool"),
              pool.output().size(), pool.output().height() * pool.output().width(),
              pool.output().height() * pool.output().width(), poolBackwardInKernel ? ", relu" : "")
          .addStatement("return")
          .endControlFlow();
    }
    b.beginControlFlow("for (int i = 0; i < nb; i++)");
    if (poolBackwardInKernel) {
      // Nothing reads the output where the backward kernel takes the pool's gradient from its winners: in training it
      // has them, and after an inference pass it runs this forward kernel again to record them ({@link #backward}).
      // The default build then stores none: LeNet-5's two convolutions' outputs are 1.6 MB a batch of 64, and its
      // inference at batch 64 took 0.94-1.00 of the time without those stores, 0.94 at batch 1 (side by side, both
      // orders). The Vector API kernels keep what they read: the output in inference, with the wide grid in training
      // too.
      if (c.wideGrid()) {
        b.beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND);
      } else {
        b.beginControlFlow("if ($T.ENABLED && arg == null)", Methods.VECTOR_BACKEND);
      }
    }
    b.addStatement("System.arraycopy(s, so + i * $L, y, (n0 + i) * $L + f * $L, $L)", positions, c.output().size(),
        positions, positions);
    if (poolBackwardInKernel) {
      b.endControlFlow();
    }
    if (pool != null) {
      int plane = pool.output().height() * pool.output().width();
      // A sample's sums start i positions' worth on; with the default build's columns grouped by quadrant, i
      // quadrant blocks on, and each quadrant of the nb samples is nb blocks long (groupQuadrantColumnsMethod).
      String start = "so + i * " + positions;
      String quadrantStride = "";
      if (quadrants && c.quadrantsHoldGroups()) {
        start = "so + i * (" + Methods.VECTOR_BACKEND.simpleName() + ".ENABLED ? " + positions + " : " + plane + ")";
        quadrantStride = ", nb * " + plane;
      } else if (quadrants) {
        quadrantStride = ", " + plane;
      }
      b.addStatement("int po = (n0 + i) * $L + f * $L", pool.output().size(), plane)
          .beginControlFlow("if (arg != null)")
          .addStatement("$L(s, $L, pooled, arg, po, (n0 + i) * $L + f * $L$L$L$L)",
              Methods.pass(c.name(), "PoolWinners"), start, c.output().size(), positions,
              quadrants ? ", corners" : "", quadrantStride, poolBackwardInKernel ? ", relu" : "")
          .nextControlFlow("else")
          .addStatement("$L(s, $L, pooled, po$L$L$L$L)", Methods.pass(c.name(), "Pool"), start,
              quadrants ? ", corners" : "", quadrantStride, quadrants && c.quadrantsHoldGroups() ? ", 1" : "",
              poolBackwardInKernel ? ", relu" : "")
          .endControlFlow();
    }
    b.endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), "Outputs"),
            "$L forward: filter {@code f}'s outputs for samples {@code n0..n0+nb-1} from its sums in {@code s} from "
                + "{@code so}.\n", c.name())
        .addParameter(Methods.FLOATS, "s")
        .addParameter(TypeName.INT, "so")
        .addParameter(TypeName.INT, "f")
        .addParameter(TypeName.INT, "n0")
        .addParameter(TypeName.INT, "nb")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(TypeName.BOOLEAN, "relu")
        .addParameters(poolParameters(pool, quadrants))
        .addCode(b.build())
        .build();
  }

  /**
   * The forward product of one block of filters, {@code f0..f1-1}, over positions {@code from..to-1} of the columns,
   * into their accumulator rows {@code sums[0..f1-f0-1]} at the same positions: two column rows per pass over four
   * filters at a time (then a last single row), the first pass starting from the bias; the filters left over, fewer
   * than four, from rows filled with their bias: two or three of them together the same way, a lone one eight column
   * rows per pass, then four, then one. A method of its own, outlined from {@link #forwardMethod}: see {@code
   * Methods.kernel}.
   */
  private MethodSpec productsMethod(ConvModel c) {
    int k = ConvModel.rowLength(c);
    int group = Methods.TARGETS_PER_GROUP;
    CodeBlock.Builder b = CodeBlock.builder();
    b.addStatement("int fg = f0 + (f1 - f0) / $L * $L", group, group)
        .beginControlFlow("for (int f = fg; f < f1; f++)")
        .addStatement("java.util.Arrays.fill(sums[f - f0], from, to, b == null ? 0f : b[f])")
        .endControlFlow();
    int pairs = k - k % Methods.ROWS_PER_GROUP_PASS;
    groupedColumnPasses(b, 0, pairs, Methods.ROWS_PER_GROUP_PASS, k, group, "f0", "fg", true);
    groupedColumnPasses(b, pairs, k, 1, k, group, "f0", "fg", pairs == 0);
    for (int left : leftoverFilters(c)) {
      b.beginControlFlow("if (f1 - fg == $L)", left);
      if (left == 1) {
        int wide = k - k % Methods.ROWS_PER_PASS;
        int four = wide + (k - wide) / 4 * 4;
        columnPasses(b, 0, wide, Methods.ROWS_PER_PASS, k);
        columnPasses(b, wide, four, 4, k);
        columnPasses(b, four, k, 1, k);
      } else {
        groupedColumnPasses(b, 0, pairs, Methods.ROWS_PER_GROUP_PASS, k, left, "fg", "f1", false);
        groupedColumnPasses(b, pairs, k, 1, k, left, "fg", "f1", false);
      }
      b.endControlFlow();
    }
    return Methods.kernel(Methods.pass(c.name(), "Products"),
            "$L forward, the products of filters {@code f0..f1-1} over positions {@code from..to-1} of the columns, "
                + "into their accumulator rows.\n", c.name())
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(TypeName.INT, "f0")
        .addParameter(TypeName.INT, "f1")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addCode(b.build())
        .build();
  }

  /**
   * The forward product's passes over taps {@code from..to} ({@code to - from} a multiple of {@code width}) for the
   * filters {@code [first, end)} in groups of {@code group}: for each group of {@code width} column rows, the group's
   * filters add them, times their weights, into their accumulator rows, one {@code madd} chain per filter and
   * position. The group's filters share each load of the column rows (LeNet-5's second convolution, 16 filters over
   * 400 positions: 46 GFLOP/s with each filter taking eight column rows a pass, 54 with four filters taking two; the
   * same sums in the same order, so the same bits). Groups of four, then the two or three left over of a block as
   * one group: on 784 positions and 25 taps, 0.67 µs a filter in fours, 0.68 in threes, 0.78 in twos, 0.97 alone
   * with eight rows a pass (scratch harness); two filters with four rows a pass stayed scalar (2.7).
   */
  private static void groupedColumnPasses(CodeBlock.Builder b, int from, int to, int width, int taps, int group,
      String first, String end, boolean fromBias) {
    if (from >= to) {
      return;
    }
    if (fromBias) {
      // The first pass on its own: it starts each sum from the filter's bias instead of reading a row filled with it
      // (the same value, so the same bits), which saves the fill's pass over the rows and this pass's loads of them.
      groupedColumnPass(b, from, width, taps, group, first, end, true);
      from += width;
    }
    if (from < to) {
      b.beginControlFlow("for (int k = $L; k < $L; k += $L)", from, to, width);
      groupedColumnPass(b, -1, width, taps, group, first, end, false);
      b.endControlFlow();
    }
  }

  /**
   * One pass of {@link #groupedColumnPasses}: column rows {@code k..k+width-1} ({@code k} the constant {@code at}, or
   * the enclosing loop's counter where {@code at} is negative), each sum starting from the filter's bias ({@code
   * fromBias}; none where {@code b} is null) or from its accumulator row.
   */
  private static void groupedColumnPass(CodeBlock.Builder b, int at, int width, int taps, int group, String first,
      String end, boolean fromBias) {
    String[] columns = new String[width];
    String[] elements = new String[width];
    for (int e = 0; e < width; e++) {
      columns[e] = "c" + e + " = cols[" + (at >= 0 ? String.valueOf(at + e) : "k" + (e == 0 ? "" : " + " + e)) + "]";
      elements[e] = "v" + e + " = c" + e + "[p]";
    }
    String[] rows = new String[group];
    String[] offsets = new String[group];
    String tap = at < 0 ? " + k" : at == 0 ? "" : " + " + at;
    for (int t = 0; t < group; t++) {
      rows[t] = "s" + t + " = sums[f - f0" + (t == 0 ? "" : " + " + t) + "]";
      offsets[t] = "wf" + t + " = " + (t == 0 ? "f * " + taps + tap : "wf" + (t - 1) + " + " + taps);
    }
    if (at >= 0) {
      b.add("{\n").indent(); // a block of its own, so that the passes after it can declare the same names
    }
    b.addStatement("float[] $L", String.join(", ", columns))
        .beginControlFlow("for (int f = $L; f < $L; f += $L)", first, end, group)
        .addStatement("float[] $L", String.join(", ", rows))
        .addStatement("int $L", String.join(", ", offsets));
    for (int t = 0; t < group; t++) {
      String[] filterWeights = new String[width];
      for (int e = 0; e < width; e++) {
        filterWeights[e] = "a" + t + e + " = w[wf" + t + (e == 0 ? "" : " + " + e) + "]";
      }
      b.addStatement("float $L", String.join(", ", filterWeights));
    }
    if (fromBias) {
      String[] biases = new String[group];
      for (int t = 0; t < group; t++) {
        biases[t] = "b" + t + " = b == null ? 0f : b[f" + (t == 0 ? "" : " + " + t) + "]";
      }
      b.addStatement("float $L", String.join(", ", biases));
    }
    b.beginControlFlow("for (int p = from; p < to; p++)")
        .addStatement("float $L", String.join(", ", elements));
    for (int t = 0; t < group; t++) {
      String start = fromBias ? "b" + t : "s" + t + "[p]";
      b.addStatement("s$L[p] = $L", t, Methods.maddChain(start, "a" + t, "v", "", width));
    }
    b.endControlFlow()
        .endControlFlow();
    if (at >= 0) {
      b.unindent().add("}\n");
    }
  }

  /**
   * How many filters a block of the forward pass can leave over after its groups of four. Where its kernel gets
   * ranges of filters ({@link #filterRanges}), any count below four that a block can hold ({@link
   * ConvModel#filtersPerPass}, at most the filters of a group); otherwise only what the blocks of a whole group
   * leave (LeNet-5's 6 and 16 filters in one block each: 2 and none), so that no branch is generated that no call can
   * take.
   */
  private java.util.SortedSet<Integer> leftoverFilters(ConvModel c) {
    java.util.SortedSet<Integer> left = new java.util.TreeSet<>();
    int group = Methods.TARGETS_PER_GROUP;
    if (filterRanges) {
      int most = Math.min(c.filtersPerPass(), c.filtersPerGroup());
      for (int size = 1; size < group && size <= most; size++) {
        left.add(size);
      }
      return left;
    }
    for (int f0 = 0; f0 < c.filtersPerGroup(); f0 += c.filtersPerPass()) {
      int filters = Math.min(c.filtersPerPass(), c.filtersPerGroup() - f0);
      if (filters % group != 0) {
        left.add(filters % group);
      }
    }
    return left;
  }

  /**
   * The forward product's passes over taps {@code from..to} ({@code to - from} a multiple of {@code width}) for the
   * filters left over from the groups of four, {@code [fg, f1)}: for each group of {@code width} column rows, each
   * filter adds them, times its weights, into its accumulator row, one {@code madd} chain per position.
   */
  private static void columnPasses(CodeBlock.Builder b, int from, int to, int width, int taps) {
    if (from >= to) {
      return;
    }
    String[] columns = new String[width];
    String[] weights = new String[width];
    for (int e = 0; e < width; e++) {
      String plus = e == 0 ? "" : " + " + e;
      columns[e] = "c" + e + " = cols[k" + plus + "]";
      weights[e] = "a" + e + " = w[wf" + plus + "]";
    }
    b.beginControlFlow("for (int k = $L; k < $L; k += $L)", from, to, width)
        .addStatement("float[] $L", String.join(", ", columns))
        .beginControlFlow("for (int f = fg; f < f1; f++)")
        .addStatement("float[] s = sums[f - f0]")
        .addStatement("int wf = f * $L + k", taps)
        .addStatement("float $L", String.join(", ", weights))
        .beginControlFlow("for (int p = from; p < to; p++)")
        .addStatement("s[p] = $L", Methods.maddChain("s[p]", "a", "c", "[p]", width))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
  }

  /**
   * {@code conv1Pool}: the 2x2 max pool after the layer, outside training (no winners to record), on one filter's
   * accumulator row of one sample (from {@code so}) while it is in L1: the maximum of each window as a tree of three
   * {@code Math.max}, as the pool's own inference kernel takes it from the stored output, so the values are the same
   * bits. Writes the pool's output plane from {@code po}. Where it {@code clamps} (the default build keeps no output
   * of its own: {@code LayerPlan.poolBackwardInKernel}), the layer's ReLU comes here, on each window's maximum
   * ({@code relu}), rather than on every sum before: the same values, since the ReLU keeps the order (a NaN stays a
   * NaN, a zero of either sign becomes +0 either way), for a quarter of the work (LeNet-5's first convolution).
   *
   * <p>Where the default build lays a group's samples side by side within each quadrant ({@link ConvModel#quadrantsHoldGroups}:
   * LeNet-5's second convolution), the method takes {@code nb} samples at once (corner blocks {@code nb} times as
   * long, each sample's output plane a pool output apart from {@code po}): one call per filter and group instead of
   * one per filter and sample (LeNet-5 batch 64, side by side: 0.975-0.995 of the time).
   */
  private static MethodSpec poolMethod(ConvModel c, PoolModel pool, boolean quadrants, boolean clamps) {
    CodeBlock.Builder body = CodeBlock.builder().add(vectorPool(c, "maxPool2x2", "pooled, po"));
    boolean group = quadrants && c.quadrantsHoldGroups();
    if (quadrants) {
      int plane = c.positions() / 4;
      // With the samples side by side in each quadrant, nb samples' blocks at once.
      String windows = group ? "nb * " + plane : String.valueOf(plane);
      body.add("// The four corners' blocks copied into rows of their own: C2 (JDK 17) vectorises the maximum over\n")
          .add("// four arrays read at one index, and kept it scalar over one array read at four offsets (0.55 ns a\n")
          .add("// value for two, scratch harness). The same maxima, in the same order, as the windows' own.\n")
          .addStatement("float[] q0 = corners[0], q1 = corners[1], q2 = corners[2], q3 = corners[3], m = corners[4]");
      if (group) {
        body.addStatement("int windows = $L", windows);
        windows = "windows";
      }
      body.add(cornerCopies(windows))
          .add(cornerMaxima(windows, clamps));
      if (group) {
        body.add(samplesOut(c, pool, "nb"));
      } else {
        body.addStatement("System.arraycopy(m, 0, pooled, po, $L)", windows);
      }
    } else {
      body.add(rowOrderPool(c, pool, clamps));
    }
    MethodSpec.Builder method = Methods.kernel(Methods.pass(c.name(), "Pool"),
            "$L: $L's output (outside training) from one filter's accumulator row of one sample$L.\n", c.name(),
            pool.name(), quadrants ? ", its positions in quadrant order" : "")
        .addParameter(Methods.FLOATS, "s")
        .addParameter(TypeName.INT, "so")
        .addParameter(Methods.FLOATS, "pooled")
        .addParameter(TypeName.INT, "po");
    if (quadrants) {
      method.addParameter(ArrayTypeName.of(Methods.FLOATS), "corners")
          .addParameter(TypeName.INT, "qs");
    }
    if (group) {
      method.addParameter(TypeName.INT, "nb");
    }
    if (clamps) {
      method.addParameter(TypeName.BOOLEAN, "relu");
    }
    return method.addCode(body.build()).build();
  }

  /**
   * {@code conv2RowsPool}: the pool outside training of one sample's sums in the usual order, where its positions are
   * otherwise in quadrant order but one sample's columns are cut from shared rows ({@link #forwardMethod}): each
   * window's maximum from its four taps, the ReLU where the pool {@code clamps}, as {@link #poolMethod} takes them
   * for a layer without quadrants. The same maxima as the quadrant pool's (a maximum of floats does not depend on the
   * order it is taken in, NaN and signed zeros included).
   */
  private static MethodSpec rowsPoolMethod(ConvModel c, PoolModel pool, boolean clamps) {
    MethodSpec.Builder method = Methods.kernel(Methods.pass(c.name(), "RowsPool"),
            "$L: $L's output (outside training) from one filter's accumulator row of one sample, its positions in the "
                + "usual order.\n", c.name(), pool.name())
        .addParameter(Methods.FLOATS, "s")
        .addParameter(TypeName.INT, "so")
        .addParameter(Methods.FLOATS, "pooled")
        .addParameter(TypeName.INT, "po");
    if (clamps) {
      method.addParameter(TypeName.BOOLEAN, "relu");
    }
    return method.addCode(rowOrderPool(c, pool, clamps)).build();
  }

  /**
   * The pool over one filter's sums in the usual order, from {@code s} at {@code so} into {@code pooled} at {@code
   * po}: each window's maximum of its four taps, the ReLU on it where the pool {@code clamps}.
   */
  private static CodeBlock rowOrderPool(ConvModel c, PoolModel pool, boolean clamps) {
    CodeBlock max = PoolCode.twoByTwoMax("s", c.output().width());
    return accumulatorWindows(c, pool, clamps
        ? CodeBlock.of("pooled[pr + ow] = relu ? Math.max($L, 0f) : $L;\n", max, max)
        : CodeBlock.of("pooled[pr + ow] = $L;\n", max));
  }

  /**
   * The maxima of the four corner rows {@code q0..q3} into {@code m} over {@code windows} (an expression), the ReLU
   * in the same pass where the pool {@code clamps} (one loop each way): the loop C2 vectorises (four arrays read at
   * one index), shared by {@link #poolMethod} and {@link #tapBlocksPoolMethod}.
   */
  private static CodeBlock cornerMaxima(String windows, boolean clamps) {
    String max = "Math.max(Math.max(q0[i], q1[i]), Math.max(q2[i], q3[i]))";
    return eitherClamp(clamps, max, output -> CodeBlock.builder()
        .beginControlFlow("for (int i = 0; i < $L; i++)", windows)
        .addStatement("m[i] = $L", output)
        .endControlFlow()
        .build());
  }

  /**
   * {@code loop} of {@code value}, or where the pool {@code clamps} (the ReLU taken at the pool), one loop each way
   * under {@code relu}: of {@code Math.max(value, 0f)} and of {@code value}, so that neither loop tests the flag.
   */
  private static CodeBlock eitherClamp(boolean clamps, String value,
      java.util.function.Function<String, CodeBlock> loop) {
    if (!clamps) {
      return loop.apply(value);
    }
    return CodeBlock.builder()
        .beginControlFlow("if (relu)")
        .add(loop.apply("Math.max(" + value + ", 0f)"))
        .nextControlFlow("else")
        .add(loop.apply(value))
        .endControlFlow()
        .build();
  }

  /**
   * The four corners' blocks of one filter's sums ({@code s} from {@code so}, {@code qs} apart), {@code windows} (an
   * expression) values each, copied into the rows {@code q0..q3}: for {@link #poolMethod} and {@link
   * #poolWinnersMethod}, whose loops read four arrays at one index.
   */
  private static CodeBlock cornerCopies(String windows) {
    CodeBlock.Builder b = CodeBlock.builder();
    for (int q = 0; q < 4; q++) {
      b.addStatement("System.arraycopy(s, so$L, q$L, 0, $L)", q == 0 ? "" : q == 1 ? " + qs" : " + " + q + " * qs", q,
          windows);
    }
    return b.build();
  }

  /**
   * Each of {@code samples} (an expression) samples' pool output, side by side in {@code m}, copied to its place in
   * {@code pooled} from {@code po}, one pool output apart.
   */
  private static CodeBlock samplesOut(ConvModel c, PoolModel pool, String samples) {
    int plane = c.positions() / 4;
    return CodeBlock.builder()
        .beginControlFlow("for (int i = 0; i < $L; i++)", samples)
        .addStatement("System.arraycopy(m, i * $L, pooled, po + i * $L, $L)", plane, pool.output().size(), plane)
        .endControlFlow()
        .build();
  }

  /**
   * With the opt-in Vector API kernels on, the fused pool runs there instead ({@code VectorBackend.maxPool2x2} or
   * {@code maxPool2x2Winners}, whose results are the same bits), gathering each tap through the layer's table of
   * window starts; {@code rest} the call's arguments after the table.
   */
  private static CodeBlock vectorPool(ConvModel c, String kernel, String rest) {
    return CodeBlock.builder()
        .add("// The opt-in Vector API kernel (-Dkiln.vector=true); ENABLED is a constant to C2.\n")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .addStatement("$T.$L(s, so, $L, $L, $L)", Methods.VECTOR_BACKEND, kernel, c.output().width(),
            poolWindowsField(c), rest)
        .addStatement("return")
        .endControlFlow()
        .build();
  }

  /**
   * The loops over the 2x2 windows moved by 2 of one filter's accumulator row of one sample (from {@code so}), around
   * {@code body}, which sees {@code c0} (the window's top-left tap in {@code s}) and {@code pr + ow} (its place in the
   * pool's output, whose plane starts at {@code po}).
   */
  private static CodeBlock accumulatorWindows(ConvModel c, PoolModel pool, CodeBlock body) {
    int pooledWidth = pool.output().width();
    return CodeBlock.builder()
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", pool.output().height())
        .addStatement("int r0 = so + oh * $L", 2 * c.output().width())
        .addStatement("int pr = po + oh * $L", pooledWidth)
        .beginControlFlow("for (int ow = 0; ow < $L; ow++)", pooledWidth)
        .addStatement("int c0 = r0 + 2 * ow")
        .add(body)
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  /**
   * {@code conv1PoolWinners}: the 2x2 max pool after the layer in training, on one filter's accumulator row of one
   * sample (from {@code so}) while it is in L1: each window's maximum and its winner, by the pool's own rule ({@code
   * PoolCode.twoByTwoWinner}), the winner as its index in the layer's output (the accumulator row's plane is stored
   * from {@code yo}). Writes the pool's output and winners from {@code po}. Where it {@code clamps}, the ReLU is
   * taken here as in {@link #poolMethod}, and the winner is the first tap equal to the maximum of the sums rather
   * than of the clamped sums: they differ only in a window whose values are all at most zero, whose output is then
   * +0 and whose winner gets no gradient (the backward kernel lists a winner only where the pool's output is above
   * zero).
   */
  private static MethodSpec poolWinnersMethod(ConvModel c, PoolModel pool, boolean quadrants, boolean clamps) {
    CodeBlock.Builder body = CodeBlock.builder().add(vectorPool(c, "maxPool2x2Winners", "pooled, arg, po, yo"));
    if (quadrants) {
      // The four corners' blocks copied into rows of their own, as the pool outside training does (poolMethod), and
      // the winners taken from them as the tap blocks' pool takes them (tapBlocksPoolWinnersMethod).
      int plane = c.positions() / 4;
      body.addStatement("float[] q0 = corners[0], q1 = corners[1], q2 = corners[2], q3 = corners[3]")
          .addStatement("float[] m = corners[4], off = corners[5]");
      body.add(cornerCopies(String.valueOf(plane)))
          .add(maximaAndOffsets(c, clamps, plane))
          .addStatement("int s0 = 0, pr = po, yb = yo")
          .add(winnersFromOffsets(c, plane))
          .addStatement("System.arraycopy(m, 0, pooled, po, $L)", plane);
    } else {
      String output = clamps ? "relu ? Math.max(best, 0f) : best" : "best";
      body.addStatement("int shift = yo - so")
          .add(accumulatorWindows(c, pool, CodeBlock.builder()
              .add(PoolCode.twoByTwoWinner("s", c.output().width()))
              .addStatement("pooled[pr + ow] = $L", output)
              .addStatement("arg[pr + ow] = at + shift")
              .build()));
    }
    MethodSpec.Builder method = Methods.kernel(Methods.pass(c.name(), "PoolWinners"),
            "$L: $L's output and winners (in training) from one filter's accumulator row of one sample$L.\n",
            c.name(), pool.name(), quadrants ? ", its positions in quadrant order" : "")
        .addParameter(Methods.FLOATS, "s")
        .addParameter(TypeName.INT, "so")
        .addParameter(Methods.FLOATS, "pooled")
        .addParameter(Methods.INTS, "arg")
        .addParameter(TypeName.INT, "po")
        .addParameter(TypeName.INT, "yo");
    if (quadrants) {
      method.addParameter(ArrayTypeName.of(Methods.FLOATS), "corners")
          .addParameter(TypeName.INT, "qs");
    }
    if (clamps) {
      method.addParameter(TypeName.BOOLEAN, "relu");
    }
    return method.addCode(body.build()).build();
  }

  /**
   * The tap blocks' methods for groups of {@code g} samples: {@link ConvModel#tapBlockSamples} for a batch's whole
   * groups, or one ({@link ConvModel#oneSampleTapBlocks}) for the samples those leave.
   */
  private static List<MethodSpec> tapBlockMethods(ConvModel c, PoolModel pool, int g) {
    return List.of(tapBlocksMethod(c, g), tapBlocksForwardMethod(c, pool, g), tapBlocksPoolMethod(c, pool, g),
        tapBlocksPoolWinnersMethod(c, pool, g));
  }

  /**
   * The name of a tap blocks' method, {@code part} ({@code "TapBlocks"}, {@code "TapBlocksForward"}, ...), for groups
   * of {@code g} samples: {@code conv1TapBlocksForward} for a whole group, {@code conv1TapBlocksForwardOne} for one
   * sample.
   */
  private static String tapBlocksName(ConvModel c, int g, String part) {
    return Methods.pass(c.name(), g == c.tapBlockSamples() ? part : part + "One");
  }

  /** The forward kernel's call of {@link #tapBlocksForwardMethod} for groups of {@code g} samples from {@code n0}. */
  private static CodeBlock tapBlocksForwardCall(ConvModel c, int g) {
    return CodeBlock.of("$L(x, w, b, paddedGroup, tapBlocks, quadrantTaps, quadrantSums, sums, acc, n0, pooled, arg, "
        + "Math.max(0, filterFrom), Math.min($L, filterTo), relu);\n", tapBlocksName(c, g, "TapBlocksForward"),
        c.filters());
  }

  /** The samples a tap blocks' method of groups of {@code g} takes, for its javadoc. */
  private static String samplesFrom(int g) {
    return g == 1 ? "sample {@code n0}" : "samples {@code n0..n0+" + (g - 1) + "}";
  }

  /**
   * {@code conv1TapBlocks}: the tap blocks ({@link ConvModel#tapBlocks}) of the {@link ConvModel#tapBlockSamples}
   * samples from {@code n0} on. Block {@code (ch,
   * u, v)} holds, for each sample side by side, the values a quadrant {@code (a, b)}'s tap {@code (kh, kw)} reads
   * wherever {@code a + kh = u} and {@code b + kw = v}: at quadrant position {@code (r, c)} the image's value at row
   * {@code 2r + u}, column {@code 2c + v}. The four blocks with {@code u} and {@code v} below 2 are gathered from the
   * images; every other is the block two columns before moved on by one value (each quadrant row's last value from
   * the image) or the block two rows before moved on by one row (each sample's last quadrant row from the image), one
   * long copy each. A padded layer's images are first copied into {@code pg}, each with its zero border; an unpadded
   * layer's are read in place from {@code x}.
   */
  private static MethodSpec tapBlocksMethod(ConvModel c, int g) {
    int channels = c.input().channels();
    int h = c.input().height();
    int w = c.input().width();
    int pw = c.sourceWidth();
    int plane = c.sourceHeight() * pw;
    int image = channels * plane;
    int qh = c.output().height() / 2;
    int qw = c.output().width() / 2;
    int q = qh * qw;
    int bu = c.window().kh() + 1;
    int bv = c.window().kw() + 1;
    int rs = Methods.ROW_START;
    // Where sample i's image starts in the array the blocks are read from: the group's padded copies, or the input.
    String src = c.padded() ? "pg" : "x";
    String image0 = c.padded() ? "i * " + image : "(n0 + i) * " + image;
    CodeBlock.Builder b = CodeBlock.builder();
    if (c.padded()) {
      b.beginControlFlow("for (int i = 0; i < $L; i++)", g)
          .beginControlFlow("for (int ch = 0; ch < $L; ch++)", channels)
          .beginControlFlow("for (int ih = 0; ih < $L; ih++)", h)
          .addStatement("System.arraycopy(x, (n0 + i) * $L + ch * $L + ih * $L, pg, i * $L + ch * $L + ih * $L + $L, $L)",
              channels * h * w, h * w, w, image, plane, pw, c.window().ph() * pw + c.window().pw(), w)
          .endControlFlow()
          .endControlFlow()
          .endControlFlow();
    }
    b.beginControlFlow("for (int ch = 0; ch < $L; ch++)", channels)
        .addStatement("int co = ch * $L, bo = ch * $L", plane, bu * bv)
        .beginControlFlow("for (int u = 0; u < 2; u++)")
        .beginControlFlow("for (int v = 0; v < 2; v++)")
        .addStatement("float[] blk = blocks[bo + u * $L + v]", bv)
        .beginControlFlow("for (int i = 0; i < $L; i++)", g)
        .beginControlFlow("for (int r = 0; r < $L; r++)", qh)
        .addStatement("int from = $L + co + (2 * r + u) * $L + v, to = $L + i * $L + r * $L", image0, pw, rs, q, qw)
        .beginControlFlow("for (int c = 0; c < $L; c++)", qw)
        .addStatement("blk[to + c] = $L[from + 2 * c]", src)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (int u = 0; u < $L; u++)", bu)
        .beginControlFlow("for (int v = u < 2 ? 2 : 0; v < $L; v++)", bv)
        .addStatement("float[] blk = blocks[bo + u * $L + v]", bv)
        .beginControlFlow("if (v >= 2)")
        .addStatement("System.arraycopy(blocks[bo + u * $L + v - 2], $L, blk, $L, $L)", bv, rs + 1, rs, g * q - 1)
        .beginControlFlow("for (int i = 0; i < $L; i++)", g)
        .beginControlFlow("for (int r = 0; r < $L; r++)", qh)
        .addStatement("blk[$L + i * $L + r * $L] = $L[$L + co + (2 * r + u) * $L + $L + v]", rs + qw - 1, q, qw, src,
            image0, pw, 2 * (qw - 1))
        .endControlFlow()
        .endControlFlow()
        .nextControlFlow("else")
        .addStatement("System.arraycopy(blocks[bo + (u - 2) * $L + v], $L, blk, $L, $L)", bv, rs + qw, rs, g * q - qw)
        .beginControlFlow("for (int i = 0; i < $L; i++)", g)
        .addStatement("int from = $L + co + $L + u * $L + v, to = $L + i * $L", image0, 2 * (qh - 1) * pw, pw,
            rs + (qh - 1) * qw, q)
        .beginControlFlow("for (int c = 0; c < $L; c++)", qw)
        .addStatement("blk[to + c] = $L[from + 2 * c]", src)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(tapBlocksName(c, g, "TapBlocks"),
            "$L: the tap blocks of $L (see {@code ConvModel.tapBlocks}).\n", c.name(), samplesFrom(g))
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "pg")
        .addParameter(TypeName.INT, "n0")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "blocks")
        .addCode(b.build())
        .build();
  }

  /**
   * {@code conv1TapBlocksForward}: filters {@code g0..g1-1} of a group of {@code g} samples from {@code n0} on ({@link
   * ConvModel#tapBlockSamples}, or one: {@code conv1TapBlocksForwardOne}, {@link ConvModel#oneSampleTapBlocks}), from
   * their tap blocks ({@link ConvModel#tapBlocks}), with the pool's winners in training: each block of filters is
   * summed quadrant by quadrant over the group, by the same products as the columns' ({@link #groupProductsMethod},
   * over rows of the group's quadrant, here the quadrant's taps' blocks), each quadrant's sums kept in a row of their
   * own, and then pooled. Every position's sum starts from the bias and adds its products in tap order, as over the
   * columns, so the pool's output is the same bits.
   */
  private static MethodSpec tapBlocksForwardMethod(ConvModel c, PoolModel pool, int g) {
    int positions = g * c.positions() / 4;
    int block = c.filtersPerPass();
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("$L(x, paddedGroup, n0, tapBlocks)", tapBlocksName(c, g, "TapBlocks"))
        .beginControlFlow("for (int f0 = g0; f0 < g1; f0 += $L)", block)
        .addStatement("int f1 = Math.min(f0 + $L, g1)", block)
        .addStatement("int fa = f0");
    if (c.filtersPerGroup() >= FEW_REGISTERS_BLOCK) {
      blockWidth(b, c);
      b.beginControlFlow("for (int q = 0; q < 4; q++)");
      widthSwitch(b, c, positions, "quadrantTaps[q]");
      b.beginControlFlow("for (int t = 0; t < width; t++)")
          .addStatement("System.arraycopy(acc, $L + t * $L, quadrantSums[t * 4 + q], 0, $L)",
              Methods.slot(0, positions), Methods.slot(1, positions) - Methods.slot(0, positions), positions)
          .endControlFlow()
          .endControlFlow()
          .beginControlFlow("for (int t = 0; t < width; t++)")
          .add(tapBlocksPoolCall(c, pool, g, "t", "fa + t"))
          .endControlFlow()
          .addStatement("fa += width")
          .endControlFlow();
    }
    b.beginControlFlow("if (fa < f1)")
        .beginControlFlow("for (int q = 0; q < 4; q++)")
        .addStatement("$L(w, b, quadrantTaps[q], sums, fa, f1, $L, $L)", Methods.pass(c.name(), "Products"),
            Methods.ROW_START, Methods.ROW_START + positions)
        .beginControlFlow("for (int f = fa; f < f1; f++)")
        .addStatement("System.arraycopy(sums[f - fa], $L, quadrantSums[(f - fa) * 4 + q], 0, $L)", Methods.ROW_START,
            positions)
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (int f = fa; f < f1; f++)")
        .add(tapBlocksPoolCall(c, pool, g, "f - fa", "f"))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(tapBlocksName(c, g, "TapBlocksForward"),
            "$L forward, $L, from the tap blocks (see {@code ConvModel.tapBlocks}).\n", c.name(), samplesFrom(g))
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameters(tapBlockParameters())
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(TypeName.INT, "n0")
        .addParameter(Methods.FLOATS, "pooled")
        .addParameter(Methods.INTS, "arg")
        .addParameter(TypeName.INT, "g0")
        .addParameter(TypeName.INT, "g1")
        .addParameter(TypeName.BOOLEAN, "relu")
        .addCode(b.build())
        .build();
  }

  /**
   * The tap blocks' pool of the block's filter {@code t} (an expression), filter {@code f} of the layer: its output, and
   * in training ({@code arg} not null) its winners.
   */
  private static CodeBlock tapBlocksPoolCall(ConvModel c, PoolModel pool, int g, String t, String filter) {
    String f = filter.contains(" ") ? "(" + filter + ")" : filter;
    return CodeBlock.builder()
        .beginControlFlow("if (arg == null)")
        .addStatement("$L(quadrantSums, $L, pooled, n0 * $L + $L * $L, relu)", tapBlocksName(c, g, "TapBlocksPool"),
            t, pool.output().size(), f, c.positions() / 4)
        .nextControlFlow("else")
        .addStatement("$L(quadrantSums, $L, pooled, arg, n0 * $L + $L * $L, n0 * $L + $L * $L, relu)",
            tapBlocksName(c, g, "TapBlocksPoolWinners"), t, pool.output().size(), f, c.positions() / 4,
            c.output().size(), f, c.positions())
        .endControlFlow()
        .build();
  }

  /**
   * {@code conv1TapBlocksPool}: the fused pool's output for filter {@code t} of a block from its four quadrants' sums
   * ({@code sums[4 * t + q]}, the group's samples side by side), its ReLU in the same loop, as {@link #poolMethod}
   * takes it from one sample's four corners' blocks: the maximum of four arrays read at one index, which C2
   * vectorises, into the row after the quadrants' ({@link #tapBlockFilters}), then each sample's part
   * copied out. Training's pool, with its winners: {@link #tapBlocksPoolWinnersMethod}.
   */
  private static MethodSpec tapBlocksPoolMethod(ConvModel c, PoolModel pool, int g) {
    CodeBlock b = CodeBlock.builder()
        .addStatement("float[] q0 = sums[t * 4], q1 = sums[t * 4 + 1], q2 = sums[t * 4 + 2], q3 = sums[t * 4 + 3]")
        .addStatement("float[] m = sums[$L]", 4 * tapBlockFilters(c))
        .add(cornerMaxima(String.valueOf(g * c.positions() / 4), true))
        .add(samplesOut(c, pool, String.valueOf(g)))
        .build();
    return Methods.kernel(tapBlocksName(c, g, "TapBlocksPool"),
            "$L: $L's output for filter {@code t} of a block of the tap blocks' forward pass, from its quadrants' "
                + "sums.\n", c.name(), pool.name())
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(TypeName.INT, "t")
        .addParameter(Methods.FLOATS, "pooled")
        .addParameter(TypeName.INT, "po")
        .addParameter(TypeName.BOOLEAN, "relu")
        .addCode(b)
        .build();
  }

  /**
   * {@code conv1TapBlocksPoolWinners}: {@link #tapBlocksPoolMethod} in training, each window's winner recorded as a
   * position in the usual order, as {@link #poolWinnersMethod} records it from the columns' sums (the first of the four
   * values equal to the maximum; a NaN maximum goes to the last NaN). The maxima and the winners' offsets within their
   * windows in one loop over the whole group that C2 vectorises, with no comparison (see the generated comment: a
   * difference from the maximum of zero marks a corner equal to it); then each window's position from the pool's table
   * of window starts plus its offset, the windows whose maximum is infinite or NaN by {@link
   * PoolCode#twoByTwoWinnerOf}, and each sample's output, clamped where the ReLU is taken here. Scratch harness,
   * LeNet-5's first convolution at batch 64 (96 calls, sums that do not repeat): 236-238 µs against 431 for the loop
   * of windows that took the maximum and the winner together with {@code twoByTwoWinnerOf}'s comparisons, the same
   * winners and outputs bit for bit with random sums, with many ties, and with NaNs, infinities and negative zeros
   * mixed in (349 against 516 µs there). A chain of tests that loads each corner only when the one before is not the
   * maximum looked faster on repeated sums, which the branch predictor learns, and took twice as long in the network.
   */
  private static MethodSpec tapBlocksPoolWinnersMethod(ConvModel c, PoolModel pool, int g) {
    int plane = c.positions() / 4;
    CodeBlock b = CodeBlock.builder()
        .addStatement("float[] q0 = sums[t * 4], q1 = sums[t * 4 + 1], q2 = sums[t * 4 + 2], q3 = sums[t * 4 + 3]")
        .addStatement("float[] m = sums[$L], off = sums[$L]", 4 * tapBlockFilters(c), 4 * tapBlockFilters(c) + 1)
        .add(maximaAndOffsets(c, true, g * plane))
        .beginControlFlow("for (int i = 0; i < $L; i++)", g)
        .addStatement("int s0 = i * $L, pr = po + i * $L, yb = yo + i * $L", plane, pool.output().size(),
            c.output().size())
        .add(winnersFromOffsets(c, plane))
        .addStatement("System.arraycopy(m, s0, pooled, pr, $L)", plane)
        .endControlFlow()
        .build();
    return Methods.kernel(tapBlocksName(c, g, "TapBlocksPoolWinners"),
            "$L: $L's output and winners (in training) for filter {@code t} of a block of the tap blocks' forward "
                + "pass, from its quadrants' sums.\n", c.name(), pool.name())
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(TypeName.INT, "t")
        .addParameter(Methods.FLOATS, "pooled")
        .addParameter(Methods.INTS, "arg")
        .addParameter(TypeName.INT, "po")
        .addParameter(TypeName.INT, "yo")
        .addParameter(TypeName.BOOLEAN, "relu")
        .addCode(b)
        .build();
  }

  /**
   * The winners' loop of {@link #tapBlocksPoolWinnersMethod} and {@link #poolWinnersMethod} over {@code windows}
   * windows: each window's maximum of its four corners ({@code q0..q3}, read at one index), the output into {@code m}
   * (clamped where the ReLU is taken here: {@code clamps}, then as {@code relu} says), and its winner's offset from
   * the window's top-left tap into {@code off}, with no comparison, so that C2 vectorises it.
   */
  private static CodeBlock maximaAndOffsets(ConvModel c, boolean clamps, int windows) {
    int width = c.output().width();
    CodeBlock.Builder b = CodeBlock.builder()
        .add("// Each window's maximum and its winner's offset from the window's top-left tap, in one loop C2\n")
        .add("// vectorises: fI is 0 where corner I equals the maximum (their difference is zero) and 1 where it is\n")
        .add("// below it (any positive difference, a subnormal too, times 2^200 is at least 1), so the offset of the\n")
        .add("// first corner equal to the maximum is f0 (1 + f1 ($L + f2)): 0, 1, $L or $L. An infinite maximum\n",
            width - 1, width, width + 1)
        .add("// (its difference with an equal corner is NaN) and a NaN maximum make the offset NaN.\n");
    if (clamps) {
      b.add("// The output, clamped where the ReLU is taken here, goes to m.\n");
    }
    return b.add(eitherClamp(clamps, "best", output -> maximaAndOffsetsLoop(c, output, windows))).build();
  }

  private static CodeBlock maximaAndOffsetsLoop(ConvModel c, String output, int windows) {
    String notBest = "Math.min((best - %s[k]) * 0x1p100f * 0x1p100f, 1f)";
    return CodeBlock.builder()
        .beginControlFlow("for (int k = 0; k < $L; k++)", windows)
        .addStatement("float best = Math.max(Math.max(q0[k], q1[k]), Math.max(q2[k], q3[k]))")
        .addStatement("m[k] = $L", output)
        .addStatement("float f0 = $L", String.format(notBest, "q0"))
        .addStatement("float f1 = $L", String.format(notBest, "q1"))
        .addStatement("float f2 = $L", String.format(notBest, "q2"))
        .addStatement("off[k] = f0 * (1f + f1 * ($Lf + f2))", c.output().width() - 1)
        .endControlFlow()
        .build();
  }

  /**
   * One sample's winners from {@link #maximaAndOffsets}' offsets: window {@code k}'s at {@code off[s0 + k]}, recorded
   * at {@code arg[pr + k]} as a position of the layer's output (from {@code yb}, the window's top-left tap from the
   * pool's table of window starts); a NaN offset (an infinite or NaN maximum) by {@code PoolCode.twoByTwoWinnerOf}.
   */
  private static CodeBlock winnersFromOffsets(ConvModel c, int windows) {
    return CodeBlock.builder()
        .beginControlFlow("for (int k = 0; k < $L; k++)", windows)
        .addStatement("int sk = s0 + k")
        .addStatement("float o = off[sk]")
        .addStatement("int c0 = yb + $L[k]", poolWindowsField(c))
        .beginControlFlow("if (o != o)")
        .add("// An infinite or NaN maximum (rare, so the branch predicts well): the pool's own rule.\n")
        .add(PoolCode.twoByTwoWinnerOf("q0[sk]", "q1[sk]", "q2[sk]", "q3[sk]", c.output().width()))
        .addStatement("arg[pr + k] = at")
        .nextControlFlow("else")
        .addStatement("arg[pr + k] = c0 + (int) o")
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  /**
   * The most filters the tap-block forward pass sums at once and keeps by quadrant until it pools them: an arena block
   * (at most {@link #MAX_BLOCK}), or the filters its arena blocks leave in a pass of the columns (fewer than four), or,
   * for a layer with fewer filters than the smallest arena block ({@link #FEW_REGISTERS_BLOCK}), all of them.
   */
  private static int tapBlockFilters(ConvModel c) {
    return Math.min(c.filtersPerGroup(), MAX_BLOCK);
  }

  /**
   * The tap blocks' workspace fields ({@link ConvModel#tapBlocks}): the group's padded images ({@code
   * conv1PaddedGroup}, empty where the layer does not pad and the blocks are read from the input in place), the blocks
   * ({@code conv1TapBlocks}, read from {@code ALIGNED_ROW_START} like columns), each quadrant's taps pointed at their
   * blocks ({@code conv1QuadrantTaps}) and each filter of a block's sums by quadrant with two rows more for the pool's
   * maxima and, in training, its winners' offsets ({@code conv1QuadrantSums}).
   */
  static List<FieldSpec> tapBlockFields(ConvModel c) {
    String n = c.name();
    return List.of(FieldSpec.builder(Methods.FLOATS, n + "PaddedGroup", Modifier.FINAL).build(),
        FieldSpec.builder(ArrayTypeName.of(Methods.FLOATS), n + "TapBlocks", Modifier.FINAL).build(),
        FieldSpec.builder(ArrayTypeName.of(ArrayTypeName.of(Methods.FLOATS)), n + "QuadrantTaps", Modifier.FINAL)
            .build(),
        FieldSpec.builder(ArrayTypeName.of(Methods.FLOATS), n + "QuadrantSums", Modifier.FINAL).build());
  }

  /**
   * The workspace constructor's statements that make {@link #tapBlockFields}: sized for a whole group where the
   * workspace's batch holds one, for one sample where it does not but the layer takes single samples from tap blocks
   * too ({@link ConvModel#oneSampleTapBlocks}), and empty otherwise (a batch smaller than {@link
   * ConvModel#tapBlockSamples} then never runs them; for LeNet-5 they are about 0.6 MB). {@code
   * conv1QuadrantTaps[q][j]}, tap {@code j} in the weight's order, is the block that quadrant {@code q}'s tap reads, so
   * that the products read a quadrant's taps as they read columns.
   */
  static CodeBlock tapBlockBuffers(ConvModel c) {
    String n = c.name();
    int kh = c.window().kh();
    int kw = c.window().kw();
    int bv = kw + 1;
    int whole = c.tapBlockSamples();
    int fewest = c.oneSampleTapBlocks() ? 1 : whole;
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("if (maxBatch >= $L)", whole)
        .add(tapBlockArrays(c, whole));
    if (fewest < whole) {
      // A smaller batch still runs one sample at a time from its blocks (ConvModel.oneSampleTapBlocks).
      b.nextControlFlow("else")
          .add(tapBlockArrays(c, 1));
    } else {
      b.nextControlFlow("else")
          .addStatement("this.$LPaddedGroup = new float[0]", n)
          .addStatement("this.$LTapBlocks = new float[0][]", n)
          .addStatement("this.$LQuadrantSums = new float[0][]", n);
    }
    return b.endControlFlow()
        .addStatement("this.$LQuadrantTaps = new float[4][$L][]", n, ConvModel.rowLength(c))
        .beginControlFlow("for (int q = 0; q < 4 && maxBatch >= $L; q++)", fewest)
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.input().channels())
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", kh)
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", kw)
        .addStatement("this.$LQuadrantTaps[q][(ch * $L + kh) * $L + kw] = this.$LTapBlocks[ch * $L + ((q >> 1) + kh) * $L "
            + "+ (q & 1) + kw]", n, kh, kw, n, (kh + 1) * bv, bv)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  /** {@link #tapBlockBuffers}' arrays for groups of {@code g} samples. */
  private static CodeBlock tapBlockArrays(ConvModel c, int g) {
    String n = c.name();
    int length = g * c.positions() / 4;
    return CodeBlock.builder()
        .addStatement("this.$LPaddedGroup = new float[$L]", n,
            c.padded() ? g * c.input().channels() * c.sourceHeight() * c.sourceWidth() : 0)
        .addStatement("this.$LTapBlocks = $T.rows($L, $L)", n, Methods.PACKING,
            c.input().channels() * c.tapBlocksPerChannel(), Methods.alignedStartRowLength(length))
        .addStatement("this.$LQuadrantSums = $T.rows($L, $L)", n, Methods.PACKING,
            4 * tapBlockFilters(c) + 2, Methods.alignedRowLength(length))
        .build();
  }

  /**
   * {@code conv1QuadrantColumns}: one sample and group's windows copied into im2col columns in quadrant order
   * ({@code LayerPlan.quadrantOrder}), from column {@code base} on. A column (one tap) holds four blocks, one per
   * corner of the fused pool's windows (top-left, top-right, bottom-left, bottom-right), each the pool's output rows
   * by columns. A tap's blocks come from the tap before by whole-block moves: one tap to the right, the right-hand
   * blocks are the left-hand ones of the tap before, and the left-hand ones the right-hand ones moved on by one value
   * (each block row's last value from the image); one kernel row down, the upper blocks are the lower ones of the tap
   * above, and the lower ones its upper ones moved on by one row (each block's last row from the image). The first
   * tap of each channel is gathered from the image.
   */
  private static MethodSpec quadrantColumnsMethod(ConvModel c) {
    Window w = c.window();
    int rows = c.output().height() / 2;
    int cols = c.output().width() / 2;
    int block = rows * cols;
    int pw = c.sourceWidth();
    String src = source(c);
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int k = 0")
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .addStatement("int sc = so + ch * $L", sourcePlane(c))
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("float[] col = cols[k]")
        .beginControlFlow("if (kh > 0)")
        .addStatement("float[] up = cols[k - $L]", w.kw())
        .addStatement("System.arraycopy(up, base + $L, col, base, $L)", 2 * block, 2 * block)
        .addStatement("System.arraycopy(up, base + $L, col, base + $L, $L)", cols, 2 * block, 2 * block - cols)
        .beginControlFlow("for (int b = 0; b < 2; b++)")
        .addStatement("int from = sc + $L + b + kw", Methods.linear("kh", pw, (2 * rows - 1) * pw))
        .addStatement("int to = base + (2 + b) * $L + $L", block, (rows - 1) * cols)
        .beginControlFlow("for (int c = 0; c < $L; c++)", cols)
        .addStatement("col[to + c] = $L[from + 2 * c]", src)
        .endControlFlow()
        .endControlFlow()
        .nextControlFlow("else if (kw > 0)")
        .addStatement("float[] left = cols[k - 1]")
        .beginControlFlow("for (int a = 0; a < 2; a++)")
        .addStatement("int at = base + a * $L", 2 * block)
        .addStatement("System.arraycopy(left, at + $L, col, at, $L)", block, block)
        .addStatement("System.arraycopy(left, at + 1, col, at + $L, $L)", block, block - 1)
        .beginControlFlow("for (int r = 0; r < $L; r++)", rows)
        .addStatement("col[at + $L] = $L[sc + $L + a * $L + kw]", Methods.linear("r", cols, block + cols - 1), src,
            Methods.linear("r", 2 * pw, 2 * cols - 1), pw)
        .endControlFlow()
        .endControlFlow()
        .nextControlFlow("else")
        .add(gatherCorners(c, "base + q * " + block))
        .endControlFlow()
        .addStatement("k++")
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return columnsKernel(c, "QuadrantColumns", CodeBlock.of("$L: copies one sample and group's windows into im2col "
        + "columns in quadrant order, from column base on.\n", c.name()), b.build());
  }

  /**
   * A channel's first tap's column gathered from the image (from {@code sc}) in quadrant order: quadrant {@code q}'s
   * block of the pool's windows, row by row, from {@code at} (an expression of {@code q}) in {@code col}.
   */
  private static CodeBlock gatherCorners(ConvModel c, String at) {
    int rows = c.output().height() / 2;
    int cols = c.output().width() / 2;
    int pw = c.sourceWidth();
    return CodeBlock.builder()
        .beginControlFlow("for (int q = 0; q < 4; q++)")
        .addStatement("int at = $L", at)
        .beginControlFlow("for (int r = 0; r < $L; r++)", rows)
        .addStatement("int from = sc + $L + (q >> 1) * $L + (q & 1)", Methods.linear("r", 2 * pw, 0), pw)
        .beginControlFlow("for (int c = 0; c < $L; c++)", cols)
        .addStatement("col[at + r * $L + c] = $L[from + 2 * c]", cols, source(c))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  /**
   * {@code conv2GroupColumns}: the windows of samples {@code n0..n0+nb-1} (one group of channels) copied into im2col
   * columns in quadrant order from column {@code base} on, the samples side by side within each quadrant: sample
   * {@code i}'s window {@code w} of quadrant {@code q} at {@code base + q * nb * W + i * W + w}, {@code W} windows a
   * quadrant. The tap-to-tap moves of {@link #quadrantColumnsMethod} then take every sample at once: one kernel row
   * down, one copy of the upper quadrants from the lower ones and one of the lower from the upper moved on by a row,
   * for all the samples (each sample's last row of the lower quadrants from the image); one tap to the right, two
   * copies per pair of quadrants. LeNet-5's second convolution (four samples, 25 windows a quadrant) makes 8 copies
   * of 195 to 200 floats a tap pair where sample by sample it made 32 of 45 to 50: 3.03 against 4.14 µs a sample
   * (scratch harness, the same values). The pool reads each sample's corners {@code nb * W} apart ({@link
   * #outputsMethod}).
   */
  private static MethodSpec groupQuadrantColumnsMethod(ConvModel c) {
    Window w = c.window();
    int rows = c.output().height() / 2;
    int cols = c.output().width() / 2;
    int block = rows * cols;
    int pw = c.sourceWidth();
    String src = source(c);
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int qs = nb * $L", block)
        .addStatement("int k = 0")
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("float[] col = cols[k]")
        .beginControlFlow("if (kh > 0)")
        .addStatement("float[] up = cols[k - $L]", w.kw())
        .addStatement("System.arraycopy(up, base + 2 * qs, col, base, 2 * qs)")
        .addStatement("System.arraycopy(up, base + $L, col, base + 2 * qs, 2 * qs - $L)", cols, cols)
        .beginControlFlow("for (int i = 0; i < nb; i++)")
        .addStatement("int sc = $L(x, padded, n0 + i, grp) + ch * $L", Methods.pass(c.name(), "Pad"), sourcePlane(c))
        .beginControlFlow("for (int b = 0; b < 2; b++)")
        .addStatement("int from = sc + $L + b + kw", Methods.linear("kh", pw, (2 * rows - 1) * pw))
        .addStatement("int to = base + (2 + b) * qs + i * $L + $L", block, (rows - 1) * cols)
        .beginControlFlow("for (int c = 0; c < $L; c++)", cols)
        .addStatement("col[to + c] = $L[from + 2 * c]", src)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .nextControlFlow("else if (kw > 0)")
        .addStatement("float[] left = cols[k - 1]")
        .beginControlFlow("for (int a = 0; a < 2; a++)")
        .addStatement("int at = base + a * 2 * qs")
        .addStatement("System.arraycopy(left, at + qs, col, at, qs)")
        .addStatement("System.arraycopy(left, at + 1, col, at + qs, qs - 1)")
        .beginControlFlow("for (int i = 0; i < nb; i++)")
        .addStatement("int sc = $L(x, padded, n0 + i, grp) + ch * $L", Methods.pass(c.name(), "Pad"), sourcePlane(c))
        .beginControlFlow("for (int r = 0; r < $L; r++)", rows)
        .addStatement("col[at + qs + i * $L + $L] = $L[sc + $L + a * $L + kw]", block,
            Methods.linear("r", cols, cols - 1), src, Methods.linear("r", 2 * pw, 2 * cols - 1), pw)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .nextControlFlow("else")
        .beginControlFlow("for (int i = 0; i < nb; i++)")
        .addStatement("int sc = $L(x, padded, n0 + i, grp) + ch * $L", Methods.pass(c.name(), "Pad"), sourcePlane(c))
        .add(gatherCorners(c, "base + q * qs + i * " + block))
        .endControlFlow()
        .endControlFlow()
        .addStatement("k++")
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), "GroupColumns"),
            "$L: copies samples {@code n0..n0+nb-1}'s windows (group of channels {@code grp}) into im2col columns in "
                + "quadrant order,\nthe samples side by side within each quadrant, from column base on.\n", c.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "padded")
        .addParameter(TypeName.INT, "n0")
        .addParameter(TypeName.INT, "nb")
        .addParameter(TypeName.INT, "grp")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(TypeName.INT, "base")
        .addCode(b.build())
        .build();
  }

  /**
   * {@code conv1Unpad} adds the interior of a padded layer's scratch input gradient (one sample's group) onto the
   * input gradient from {@code xo} on; the border, the padding's gradient, is dropped.
   */
  private static MethodSpec unpadMethod(ConvModel c) {
    Window w = c.window();
    int h = c.input().height();
    int iw = c.input().width();
    int pw = c.sourceWidth();
    CodeBlock b = CodeBlock.builder()
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .beginControlFlow("for (int ih = 0; ih < $L; ih++)", h)
        .addStatement("int from = ch * $L + $L", sourcePlane(c), Methods.linear("ih", pw, w.ph() * pw + w.pw()))
        .addStatement("int to = xo + ch * $L + ih * $L", h * iw, iw)
        .beginControlFlow("for (int i = 0; i < $L; i++)", iw)
        .addStatement("gx[to + i] += paddedGrad[from + i]")
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .build();
    return Methods.kernel(Methods.pass(c.name(), "Unpad"),
            "$L: adds the padded input gradient's interior onto the input gradient from xo on.\n", c.name())
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "paddedGrad")
        .addParameter(TypeName.INT, "xo")
        .addCode(b)
        .build();
  }

  /**
   * The opt-in Vector API backward on the wide grid (see {@code VectorConv}): per sample and group, the output
   * gradient (ReLU applied) moved onto the wide grid, then the weight gradient as dot products of it with runs of the
   * source image and the input gradient scattered straight back onto the source's layout; no im2row copies.
   */
  private static CodeBlock vectorBackward(ConvModel c, boolean relu, PoolModel pool) {
    int fpg = c.filtersPerGroup();
    int pw = c.widePositions();
    String taps = tapsField(c);
    CodeBlock.Builder b = CodeBlock.builder()
        .add("// The opt-in Vector API kernels (-Dkiln.vector=true); ENABLED is a constant to C2.\n")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND);
    if (pool != null) {
      // These kernels read the whole output gradient: route the pool's gradient to its winners first, as the
      // pool's own backward would.
      b.add(PoolCode.maxGradientToWinners(pool, "g", "gp"));
    }
    b.beginControlFlow("if (inputGrad)")
        .addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", c.input().size())
        .endControlFlow()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .beginControlFlow("for (int grp = 0; grp < $L; grp++)", c.groups())
        .addStatement("int so = $L(x, padded, n, grp)", Methods.pass(c.name(), "Pad"))
        .addStatement("$T.convWideGradient(g, y, n * $L + grp * $L, $L, wide, $L, $L, $L, $L, $L, grp * $L)",
            Methods.VECTOR_BACKEND, c.output().size(), fpg * c.positions(), relu, fpg, c.output().height(),
            c.output().width(), c.sourceWidth(), c.bias() ? "gb" : "null", fpg)
        .addStatement("$T.convWeightGradient(wide, $L, $L, so, $L, lanes, gw, grp * $L, $L)",
            Methods.VECTOR_BACKEND, pw, source(c), taps, fpg, fpg)
        .beginControlFlow("if (inputGrad)");
    if (c.padded()) {
      b.addStatement("java.util.Arrays.fill(paddedGrad, 0f)")
          .addStatement("$T.convInputGradient(w, grp * $L, $L, $L, wide, $L, paddedGrad, 0)", Methods.VECTOR_BACKEND,
              fpg, fpg, taps, pw)
          .addStatement("$L(gx, paddedGrad, (n * $L + grp * $L) * $L)", Methods.pass(c.name(), "Unpad"),
              c.input().channels(), c.channelsPerGroup(), c.input().height() * c.input().width());
    } else {
      // Unpadded, the source is the input itself: so is where this sample's group starts in it, and in gx.
      b.addStatement("$T.convInputGradient(w, grp * $L, $L, $L, wide, $L, gx, so)", Methods.VECTOR_BACKEND, fpg, fpg,
          taps, pw);
    }
    return b.endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .addStatement("$T.convFinishWeightGradient(lanes, gw, $L)", Methods.VECTOR_BACKEND,
            c.filters() * ConvModel.rowLength(c))
        .addStatement("return")
        .endControlFlow()
        .build();
  }

  /**
   * The weight gradient of filter {@code f} from one sample straight from the source image (see {@link
   * ConvModel#directWeightGradient}): the listed positions' gradients and window offsets are gathered once (here,
   * unless the listing from the pool's winners already did: {@code listed}), then for each kernel row the sums of its
   * taps stay in locals (registers) over the list.
   */
  private static CodeBlock directWeightGradient(ConvModel c, boolean listed) {
    Window w = c.window();
    CodeBlock.Builder b = CodeBlock.builder();
    if (!listed) {
      b.beginControlFlow("for (int j = 0; j < count; j++)")
          .addStatement("int p = nonzero[j]")
          .addStatement("listed[j] = g[gf + p]")
          .addStatement("windows[j] = $L", windowStart(c, "p"))
          .endControlFlow();
    }
    b.beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup());
    int few = Math.min(w.kh(), 2);
    int many = Math.min(w.kh(), Math.max(1, SUMS_IN_MANY_REGISTERS / w.kw()));
    if (many > few) {
      b.add("// As many kernel rows a pass as the registers hold: every row of a 5x5 kernel where there are 32.\n")
          .beginControlFlow("if ($T.MANY)", REGISTERS);
      kernelRowPasses(b, c, many);
      b.nextControlFlow("else");
      kernelRowPasses(b, c, few);
      b.endControlFlow();
    } else {
      kernelRowPasses(b, c, few);
    }
    return b.endControlFlow().build();
  }

  /** The passes of {@link #kernelRowsPass} over one channel's kernel rows, {@code rows} at a time. */
  private static void kernelRowPasses(CodeBlock.Builder b, ConvModel c, int rows) {
    Window w = c.window();
    int whole = w.kh() - w.kh() % rows;
    if (whole > 0) {
      b.beginControlFlow("for (int kh = 0; kh < $L; kh += $L)", whole, rows);
      kernelRowsPass(b, c, rows, c.bias());
      b.endControlFlow();
    }
    if (whole < w.kh()) {
      b.beginControlFlow("for (int kh = $L; kh < $L; kh += $L)", whole, w.kh(), w.kh() - whole);
      kernelRowsPass(b, c, w.kh() - whole, c.bias() && whole == 0);
      b.endControlFlow();
    }
  }

  /**
   * Where the window of output position {@code p} (an expression) starts in the source image, from {@code so}: the
   * layer's table of window starts ({@code ConvWindows.starts}), one load where {@code p / outWidth} and
   * {@code p % outWidth} would be a multiply, shifts and a subtraction (LeNet-5's training step: its first
   * convolution's backward lists 75,264 positions per batch this way).
   */
  private static String windowStart(ConvModel c, String p) {
    return "so + " + windowStartsField(c) + "[" + p + "]";
  }

  /**
   * One pass of {@link #directWeightGradient} over the listed positions for {@code rows} kernel rows from {@code kh}:
   * each tap's sum in a local ({@code a<row>_<column>}), added to the weight-gradient row after the pass. With
   * {@code biasSum}, the pass also sums the listed gradients, and the first pass over the list (first channel, first
   * kernel row) hands that sum to the bias gradient's {@code sum}: the same additions in the same order as a loop of
   * its own, so the same bits, but off the critical path of a chain of dependent additions (LeNet-5's first
   * convolution: 60 µs a batch as a loop of its own, scratch harness).
   */
  private static void kernelRowsPass(CodeBlock.Builder b, ConvModel c, int rows, boolean biasSum) {
    Window w = c.window();
    int sw = c.sourceWidth();
    b.addStatement("int base = ch * $L + $L", sourcePlane(c), Methods.linear("kh", w.dh() * sw, 0));
    StringBuilder sums = new StringBuilder("float ");
    for (int r = 0; r < rows; r++) {
      for (int kw = 0; kw < w.kw(); kw++) {
        sums.append(r == 0 && kw == 0 ? "" : ", ").append("a").append(r).append("_").append(kw).append(" = 0f");
      }
    }
    if (biasSum) {
      sums.append(", listedSum = 0f");
    }
    b.addStatement(sums.toString())
        .beginControlFlow("for (int j = 0; j < count; j++)")
        .addStatement("float v = listed[j]");
    if (biasSum) {
      b.addStatement("listedSum += v");
    }
    b.addStatement("int at = windows[j] + base");
    for (int r = 0; r < rows; r++) {
      for (int kw = 0; kw < w.kw(); kw++) {
        b.addStatement("a$L_$L = $T.madd(v, $L[$L], a$L_$L)", r, kw, Methods.MULTIPLY_ADD, source(c),
            Methods.linear("at", 1, r * w.dh() * sw + kw * w.dw()), r, kw);
      }
    }
    b.endControlFlow();
    if (biasSum) {
      b.beginControlFlow("if (ch == 0 && kh == 0)").addStatement("sum = listedSum").endControlFlow();
    }
    b.addStatement("int o0 = (ch * $L + kh) * $L", w.kh(), w.kw());
    for (int r = 0; r < rows; r++) {
      for (int kw = 0; kw < w.kw(); kw++) {
        b.addStatement("o[$L] += a$L_$L", Methods.linear("o0", 1, r * w.kw() + kw), r, kw);
      }
    }
  }

  /**
   * The list of filter {@code f}'s positions with a non-zero gradient in one sample, taken from the max pool after
   * the layer ({@code LayerPlan.poolBackwardInKernel}): only its windows' winners can have one, so the loop walks the
   * pool's outputs (a quarter of the positions) and writes each winner's gradient into {@code g}, where the rest of
   * the kernel reads the listed positions; the other positions of {@code g} are never read, so they are not
   * cleared. The ReLU's mask comes from the pool's output, which is the winner's value (the same bits). The list
   * follows the pool's windows, not the positions' order. For {@link ConvModel#directWeightGradient} the same pass
   * lists the values and window starts that {@link #directWeightGradient} walks; without an input gradient (a
   * network's first layer) that is all the kernel reads, so a second loop writes only those (LeNet-5's first
   * convolution, 75,264 pool outputs a batch: 213 -> 166 µs, scratch harness).
   */
  private static void listPoolWinners(CodeBlock.Builder b, ConvModel c, PoolModel pool, boolean relu) {
    int plane = pool.output().height() * pool.output().width();
    b.add("// Only the max pool's winners get a gradient: list those, from the pool's own gradient and positions.\n")
        .addStatement("int pf = (n * $L + f) * $L", c.filters(), plane)
        .addStatement("int count = 0");
    if (c.directWeightGradient()) {
      b.beginControlFlow("if (inputGrad)");
      listPoolWinnersLoop(b, c, plane, relu, true);
      b.nextControlFlow("else");
      listPoolWinnersLoop(b, c, plane, relu, false);
      b.endControlFlow();
    } else {
      listPoolWinnersLoop(b, c, plane, relu, true);
    }
  }

  /**
   * The loop of {@link #listPoolWinners}; {@code byPosition} writes each winner's gradient into {@code g} and its
   * position into {@code nonzero} as well, which the input gradient and the rows' weight gradient read.
   */
  private static void listPoolWinnersLoop(CodeBlock.Builder b, ConvModel c, int plane, boolean relu,
      boolean byPosition) {
    b.beginControlFlow("for (int i = 0; i < $L; i++)", plane)
        .addStatement("int p = arg[pf + i] - gf")
        .addStatement("float v = gp[pf + i]");
    if (byPosition) {
      b.addStatement("g[gf + p] = v").addStatement("nonzero[count] = p");
    }
    if (c.directWeightGradient()) {
      // The direct weight gradient's list of values and window starts, made here in the same pass.
      b.addStatement("listed[count] = v").addStatement("windows[count] = $L", windowStart(c, "p"));
    }
    countIfListed(b, "v", relu ? "yp[pf + i]" : null,
        "The ReLU's gradient: none where it output zero (the pool's output is the winner's value).");
    b.endControlFlow();
  }

  /**
   * The statement that keeps the entry just listed ({@code count += 1}) when its gradient {@code gradient} is not zero
   * and, after a ReLU in the kernel ({@code output} not null), the layer's output there is positive; on the floats'
   * bits, without a branch. {@code reluComment} says where the ReLU's mask comes from.
   */
  private static void countIfListed(CodeBlock.Builder b, String gradient, String output, String reluComment) {
    if (output != null) {
      b.add("// $L\n", reluComment)
          .addStatement("count += $T.isNonZero(Float.floatToRawIntBits($L)) "
              + "& $T.isPositive(Float.floatToRawIntBits($L))", FLOAT_BITS, gradient, FLOAT_BITS, output);
    } else {
      b.addStatement("count += $T.isNonZero(Float.floatToRawIntBits($L))", FLOAT_BITS, gradient);
    }
  }

  /**
   * One sample's share of {@link #backwardMethod} for the filters of one group: for each filter, its output gradients
   * listed (the pool's winners, or the non-zero ones), its bias and weight gradients added, and the listed gradients
   * scattered by position for the input gradient. A method of its own, outlined from the backward pass, called once
   * per sample and group: see {@code Methods.kernel}.
   */
  private static MethodSpec filterGradientMethod(ConvModel c, boolean relu, PoolModel pool) {
    int k = ConvModel.rowLength(c);
    int positions = c.positions();
    int fpg = c.filtersPerGroup();
    boolean direct = c.directWeightGradient();
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int f = grp * $L; f < grp * $L + $L; f++)", fpg, fpg, fpg)
        .addStatement("int gf = go + f * $L", positions);
    if (pool != null) {
      listPoolWinners(b, c, pool, relu);
    } else {
      b.add("// After a ReLU and a max pool most output gradients are exactly zero: list the others. On the\n")
          .add("// floats' bits, because a float comparison compiles to a branch, which mispredicts on a large\n")
          .add("// share of the positions.\n")
          .addStatement("int count = 0")
          .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
          .addStatement("nonzero[count] = p");
      countIfListed(b, "g[gf + p]", relu ? "y[gf + p]" : null, "The ReLU's gradient: none where it output zero.");
      b.endControlFlow();
    }
    if (c.bias() && !direct) {
      b.addStatement("float sum = 0f")
          .beginControlFlow("for (int j = 0; j < count; j++)")
          .addStatement("sum += g[gf + nonzero[j]]")
          .endControlFlow()
          .addStatement("gb[f] += sum");
    }
    b.addStatement("float[] o = gwRows[f]");
    if (direct) {
      if (c.bias()) {
        // The bias gradient is summed inside the first pass over the list (see directWeightGradient).
        b.addStatement("float sum = 0f");
      }
      b.add(directWeightGradient(c, pool != null));
      if (c.bias()) {
        b.addStatement("gb[f] += sum");
      }
    } else {
      b.add(Methods.addListedRows("nonzero", "g[gf + %s]", "rows[%s]", "o", k));
    }
    b.beginControlFlow("if (inputGrad)")
        .add("// Each listed position's gradient for this filter, by position, for the input gradient below.\n")
        .beginControlFlow("for (int e = 0; e < count; e++)")
        .addStatement("int p = nonzero[e]")
        .addStatement("positionGrad[p * $L + f - grp * $L] = g[gf + p]", fpg, fpg)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    MethodSpec.Builder m = Methods.kernel(Methods.pass(c.name(), "FilterGradients"),
            "$L backward for sample {@code n}, each filter of group {@code grp}: lists its output gradients, adds "
                + "its weight and bias\ngradients, and scatters its gradients by position for the input gradient.\n",
            c.name());
    for (String name : filterGradientParameters(c, relu, pool)) {
      m.addParameter(FILTER_GRADIENT_TYPES.get(name), name);
    }
    return m.addCode(b.build()).build();
  }

  /** The types of {@link #filterGradientMethod}'s parameters, by name. */
  private static final java.util.Map<String, TypeName> FILTER_GRADIENT_TYPES = java.util.Map.ofEntries(
      java.util.Map.entry("x", Methods.FLOATS), java.util.Map.entry("y", Methods.FLOATS),
      java.util.Map.entry("g", Methods.FLOATS), java.util.Map.entry("gb", Methods.FLOATS),
      java.util.Map.entry("padded", Methods.FLOATS), java.util.Map.entry("rows", ArrayTypeName.of(Methods.FLOATS)),
      java.util.Map.entry("gwRows", ArrayTypeName.of(Methods.FLOATS)), java.util.Map.entry("nonzero", Methods.INTS),
      java.util.Map.entry("positionGrad", Methods.FLOATS), java.util.Map.entry("gp", Methods.FLOATS),
      java.util.Map.entry("yp", Methods.FLOATS), java.util.Map.entry("arg", Methods.INTS),
      java.util.Map.entry("listed", Methods.FLOATS), java.util.Map.entry("windows", Methods.INTS),
      java.util.Map.entry("n", TypeName.INT), java.util.Map.entry("grp", TypeName.INT),
      java.util.Map.entry("go", TypeName.INT), java.util.Map.entry("so", TypeName.INT),
      java.util.Map.entry("inputGrad", TypeName.BOOLEAN));

  /**
   * {@link #filterGradientMethod}'s parameters, in order: what the backward pass has in scope that the method reads
   * for this layer (the image only where the weight gradient is summed straight from it, the output only for a ReLU
   * no pool follows, and so on).
   */
  private static List<String> filterGradientParameters(ConvModel c, boolean relu, PoolModel pool) {
    boolean direct = c.directWeightGradient();
    List<String> names = new java.util.ArrayList<>();
    if (direct) {
      names.add(source(c));
    }
    if (pool == null && relu) {
      names.add("y");
    }
    names.add("g");
    if (c.bias()) {
      names.add("gb");
    }
    if (!direct) {
      names.add("rows");
    }
    names.addAll(List.of("gwRows", "nonzero", "positionGrad"));
    if (pool != null) {
      names.add("gp");
      if (relu) {
        names.add("yp");
      }
      names.add("arg");
    }
    if (direct) {
      names.addAll(List.of("listed", "windows"));
    }
    if (pool != null) {
      names.add("n");
    }
    names.addAll(List.of("grp", "go"));
    if (direct) {
      names.add("so");
    }
    names.add("inputGrad");
    return names;
  }

  /** The backward pass's call of {@link #filterGradientMethod}. */
  private static String filterGradientCall(ConvModel c, boolean relu, PoolModel pool) {
    return Methods.pass(c.name(), "FilterGradients") + "("
        + String.join(", ", filterGradientParameters(c, relu, pool)) + ")";
  }

  /**
   * Backward. The weight gradient is summed over the batch in zero-indexed rows ({@code gwRows}) and added to the
   * parameter's gradient at the end, so that the innermost loops vectorise; the input gradient goes through the row
   * gradients ({@code rowsGrad}) and row2im, or, where windows move on by one tap per output column, through
   * {@link #inputGradientMethod}'s one carried row. Each position's row gradient is made in one go from the filters
   * with a gradient there (gathered by position in {@code positionGrad} while the filters are walked), several
   * weight rows per pass, in the filters' order, so the sums are those of adding filter by filter: LeNet-5's second
   * convolution has two to three such filters per position, and one pass over the row instead of one per filter took
   * its training step's backward from 2,246-2,260 to 2,135-2,152 µs (scratch harness).
   */
  private static MethodSpec backwardMethod(ConvModel c, boolean relu, PoolModel pool) {
    int k = ConvModel.rowLength(c);
    int positions = c.positions();
    int fpg = c.filtersPerGroup();
    String src = source(c);
    CodeBlock.Builder b = CodeBlock.builder();
    if (c.wideGrid()) {
      b.add(vectorBackward(c, relu, pool));
    }
    b.beginControlFlow("if (inputGrad)")
        .addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", c.input().size())
        .beginControlFlow("for (int f = 0; f < $L; f++)", c.filters())
        .addStatement("System.arraycopy(w, f * $L, wRows[f], 0, $L)", k, k)
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (int f = 0; f < $L; f++)", c.filters())
        .addStatement("java.util.Arrays.fill(gwRows[f], 0f)")
        .endControlFlow()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int go = n * $L", c.output().size());
    boolean direct = c.directWeightGradient();
    b.beginControlFlow("for (int grp = 0; grp < $L; grp++)", c.groups());
    if (direct) {
      b.addStatement("int so = $L(x, padded, n, grp)", Methods.pass(c.name(), "Pad"));
    } else {
      b.addStatement("$L($L, $L(x, padded, n, grp), rows)", Methods.pass(c.name(), "Rows"), src,
          Methods.pass(c.name(), "Pad"));
    }
    b.beginControlFlow("if (inputGrad)")
        .addStatement("java.util.Arrays.fill(positionGrad, 0f)")
        .endControlFlow()
        .addStatement("$L", filterGradientCall(c, relu, pool))
        .beginControlFlow("if (inputGrad)");
    String paddedGrad = c.padded() ? "paddedGrad, " : "";
    if (c.shiftsRows()) {
      b.addStatement("$L(gx, rowsGrad[0], positionGrad, filters, wRows, $Ln, grp)",
          Methods.pass(c.name(), "InputGradient"), paddedGrad);
    } else {
      b.add("// Position by position, the weight rows of the filters with a gradient there, several per pass, into\n")
          .add("// the position's row gradient: one load and store of it per pass instead of one per filter.\n")
          .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
          .addStatement("float[] t = rowsGrad[p]")
          .addStatement("java.util.Arrays.fill(t, 0f)")
          .addStatement("int pf = p * $L", fpg)
          .add(Methods.listNonZero("filters", "i", "0", String.valueOf(fpg), "positionGrad[pf + i]"))
          .add(Methods.addListedRows("filters", "positionGrad[pf + %s]", "wRows[grp * " + fpg + " + %s]", "t", k))
          .endControlFlow()
          .addStatement("$L(gx, rowsGrad, $Ln, grp)", Methods.pass(c.name(), "RowsBackward"), paddedGrad);
    }
    b.endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (int f = 0; f < $L; f++)", c.filters())
        .addStatement("float[] o = gwRows[f]")
        .addStatement("int wf = f * $L", k)
        .beginControlFlow("for (int i = 0; i < $L; i++)", k)
        .addStatement("gw[wf + i] += o[i]")
        .endControlFlow()
        .endControlFlow();
    MethodSpec.Builder m = Methods.kernel(Methods.pass(c.name(), "Backward"),
            "$L backward: adds the weight and bias gradients, writes the input gradient if asked.\n", c.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(Methods.FLOATS, "padded")
        .addParameter(Methods.FLOATS, "paddedGrad")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "rows")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "rowsGrad")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wRows")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "gwRows")
        .addParameter(Methods.INTS, "nonzero")
        .addParameter(Methods.FLOATS, "positionGrad")
        .addParameter(Methods.INTS, "filters");
    if (pool != null) {
      m.addParameter(Methods.FLOATS, "gp").addParameter(Methods.FLOATS, "yp").addParameter(Methods.INTS, "arg");
    }
    if (c.directWeightGradient()) {
      m.addParameter(Methods.FLOATS, "listed").addParameter(Methods.INTS, "windows");
    }
    if (c.wideGrid()) {
      m.addParameter(Methods.FLOATS, "wide").addParameter(Methods.FLOATS, "lanes");
    }
    return m.addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "inputGrad")
        .addCode(b.build())
        .build();
  }
}
