package dev.kiln.processor.generate;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.DenseModel;
import dev.kiln.processor.model.FlattenModel;
import dev.kiln.processor.plan.LayerPlan;
import dev.kiln.processor.plan.NetworkPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * A fully connected layer, weight {@code [units, in]} row-major as PyTorch keeps it. Forward runs on a transposed
 * copy the model keeps current with the weight's version, in blocks of inputs shared by the batch, one accumulator
 * row per sample (or, opted in, on the Vector API kernels and a flat transposed copy, which then replaces the rows
 * for every batch size). Backward builds the weight gradient output by output from the input rows of the samples
 * whose gradient for that output is not zero (after a ReLU about half are), and the input gradient sample by sample
 * from the weight rows of its non-zero gradients (or, opted in, on the Vector API kernels, which read the weight as
 * it is).
 */
final class DenseCode implements LayerCode {
  private static final ClassName PACKING = ClassName.get("dev.kiln.runtime.kernel", "Packing");

  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    List<MethodSpec> methods = new ArrayList<>(
        List.of(packedWeightMethod(d), flatWeightMethod(d), forwardMethod(d), backwardMethod(d)));
    methods.addAll(weightGradientMethods(d));
    methods.addAll(inputGradientMethods(d));
    // The group passes of the forward pass (rows of its outputs) and of the two gradients (rows of its inputs).
    methods.addAll(Methods.groupPassesMethods(d.name(), d.units()));
    methods.add(Methods.groupInputPassesMethod(d.name(), d.units(), d.inFeatures()));
    if (d.inFeatures() != d.units()) {
      methods.addAll(Methods.groupPassesMethods(d.name(), d.inFeatures()));
    }
    if (!d.outputsAsFilters().isEmpty()) {
      methods.addAll(columnsMethods(d));
    }
    return methods;
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    return CodeBlock.builder().add(kernelForward(plan)).add(ActivationCode.fusedForward(plan)).build();
  }

  /** The layer's own forward statements, its fused activation not included. */
  private static CodeBlock kernelForward(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    String bias = d.bias() ? LayerCode.field(d.name(), "bias") : "null";
    CodeBlock.Builder code = CodeBlock.builder()
        .add("// The opt-in Vector API kernels (-Dkiln.vector=true); ENABLED is a constant to C2.\n")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .addStatement("$T.denseForward($L, $L, $T.readsTransposed($L) ? $L() : null, $L, $L, batch, $L, $L)",
            Methods.VECTOR_BACKEND, LayerCode.buffer(plan.input()), LayerCode.field(d.name(), "weight"),
            Methods.VECTOR_BACKEND, d.units(), flatMethod(d), bias, ActivationCode.producerTarget(plan),
            d.inFeatures(), d.units())
        .nextControlFlow("else");
    if (d.outputsAsFilters().isEmpty()) {
      code.add(rowsForward(plan, bias, "batch"));
    } else {
      int chunk = DenseModel.SAMPLES_PER_CHUNK;
      code.add("// The samples as positions, in chunks of up to $L; the first few (a batch's remainder under $L) on the\n",
              chunk, DenseModel.MIN_SAMPLES_PER_CHUNK)
          .add("// transposed weight's rows, as wider layers go (DenseModel.outputsAsFilters).\n")
          .addStatement("int rowsFirst = batch % $L < $L ? batch % $L : 0", chunk, DenseModel.MIN_SAMPLES_PER_CHUNK,
              chunk)
          .beginControlFlow("if (rowsFirst > 0)")
          .add(rowsForward(plan, bias, "rowsFirst"))
          .endControlFlow()
          .beginControlFlow("for (int n0 = rowsFirst; n0 < batch; n0 += $L)", chunk)
          .addStatement("$L($L, $L, $L, $L, ws.$LColumns, ws.aligned, n0, Math.min($L, batch - n0))",
              columnsForwardName(d), LayerCode.buffer(plan.input()), LayerCode.field(d.name(), "weight"), bias,
              ActivationCode.producerTarget(plan), d.name(), chunk)
          .endControlFlow();
    }
    return code.endControlFlow().build();
  }

  /**
   * The call of the layer's forward pass on the transposed weight's rows ({@link #forwardMethod}) for the batch's first
   * {@code count} samples (an expression).
   */
  private static CodeBlock rowsForward(LayerPlan plan, String bias, String count) {
    DenseModel d = (DenseModel) plan.layer();
    return CodeBlock.builder()
        .addStatement("$L($L, $L(), $L, $L, ws.$LOutRows, ws.$LNonzero, ws.aligned, $L)",
            Methods.pass(d.name(), "Forward"), LayerCode.buffer(plan.input()), packedMethod(d), bias,
            ActivationCode.producerTarget(plan), d.name(), d.name(), count)
        .build();
  }

  /** {@code fc3ForwardColumns}: a chunk of samples' forward pass with the samples as positions. */
  private static String columnsForwardName(DenseModel d) {
    return Methods.pass(d.name(), "ForwardColumns");
  }

  /** {@code fc3AddColumns3x80}: a {@link #columnsMethods} passes method for a block of {@code width} outputs. */
  private static String columnPassesName(DenseModel d, int width, boolean left) {
    return d.name() + (left ? "AddColumnsLeft" : "AddColumns") + width + "x" + DenseModel.SAMPLES_PER_CHUNK;
  }

  /**
   * The forward pass of a narrow layer over a chunk of samples ({@link DenseModel#outputsAsFilters}) as a convolution
   * whose positions are the samples: {@code fc3ForwardColumns} lays the chunk's inputs out as one column row per
   * input (the samples' values of that input side by side from {@code Methods.ROW_START}, eight inputs at a time
   * so that eight rows are filled front to back while the samples' rows are read in order), then sums each block of
   * three or four outputs in the aligned arena's slots as a convolution sums a block of filters: each slot from the
   * output's bias, every column row added in input order times the output's weight, read in place from the weight
   * ({@code w[wf0 + j]}), three rows a pass ({@code ConvCode.tapPass}, in methods of their own over C2's inlining
   * limit), and copies the chunk's sums out. The same products in the same order as the row path's passes, so the
   * same sums (an input zero in every sample the row path leaves out adds {@code 0 * w}, which changes nothing). The
   * passes run over {@code NetworkPlan.alignedBound} of {@link DenseModel#SAMPLES_PER_CHUNK} positions whatever the
   * chunk holds; the positions past it hold an earlier chunk's values, whose sums are not read.
   *
   * <p>The MLP's ten outputs over 128 inputs at batch 64 (Zen 2, {@code LayerProfile}): 8.0-8.2 µs against 20.1 for
   * the rows; about 5 of them lay the column rows out (scratch harness).
   */
  private static List<MethodSpec> columnsMethods(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    int chunk = DenseModel.SAMPLES_PER_CHUNK;
    int start = Methods.ROW_START;
    int rows = Methods.ALIGNED_ROWS_PER_GROUP_PASS;
    int full = in / rows * rows;
    CodeBlock.Builder b = CodeBlock.builder()
        .add("// The chunk's inputs as column rows, eight inputs at a time.\n")
        .beginControlFlow("for (int k = 0; k + 7 < $L; k += 8)", in)
        .addStatement("float[] $L", String.join(", ", eightRows()))
        .beginControlFlow("for (int p = 0; p < count; p++)")
        .addStatement("int i = (n0 + p) * $L + k", in);
    for (int e = 0; e < 8; e++) {
      b.addStatement("o$L[$L + p] = x[i$L]", e, start, e == 0 ? "" : " + " + e);
    }
    b.endControlFlow()
        .endControlFlow();
    if (in % 8 != 0) {
      b.beginControlFlow("for (int k = $L; k < $L; k++)", in / 8 * 8, in)
          .addStatement("float[] o = cols[k]")
          .beginControlFlow("for (int p = 0; p < count; p++)")
          .addStatement("o[$L + p] = x[(n0 + p) * $L + k]", start, in)
          .endControlFlow()
          .endControlFlow();
    }
    int f = 0;
    for (int width : d.outputsAsFilters()) {
      b.add("// Outputs $L to $L.\n", f, f + width - 1);
      for (int t = 0; t < width; t++) {
        int slot = Methods.slot(t, chunk);
        b.addStatement("java.util.Arrays.fill(acc, $L, $L, b == null ? 0f : b[$L])", slot,
            slot + Methods.alignedBound(chunk), f + t);
      }
      b.addStatement("$L(acc, cols, w, $L, 0, $L)", columnPassesName(d, width, false), f, full);
      if (full < in) {
        b.addStatement("$L(acc, cols, w, $L, $L, $L)", columnPassesName(d, width, true), f, full, in);
      }
      b.beginControlFlow("for (int p = 0; p < count; p++)")
          .addStatement("int o = $L", Methods.linear("(n0 + p)", out, f));
      for (int t = 0; t < width; t++) {
        b.addStatement("y[o$L] = acc[$L + p]", t == 0 ? "" : " + " + t, Methods.slot(t, chunk));
      }
      b.endControlFlow();
      f += width;
    }
    List<MethodSpec> methods = new ArrayList<>();
    methods.add(Methods.kernel(columnsForwardName(d),
            "$L forward over samples {@code n0..n0+count-1} ({@code count} at most $L), the samples as positions:\n"
                + "$L -> $L (see {@code DenseCode.columnsMethods}).\n", d.name(), chunk, d.input(), d.output())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(TypeName.INT, "n0")
        .addParameter(TypeName.INT, "count")
        .addCode(b.build())
        .build());
    for (int width : new java.util.TreeSet<>(d.outputsAsFilters())) {
      methods.addAll(ConvCode.slotPassesMethods(columnPassesName(d, width, false), columnPassesName(d, width, true),
          in, chunk, width, COLUMN_WORDS));
    }
    return methods;
  }

  /** A narrow layer's passes add its inputs' column rows over samples into its outputs' slots. */
  private static final ConvCode.PassWords COLUMN_WORDS = new ConvCode.PassWords("samples", "output", "input");

  /** {@code o0 = cols[k], o1 = cols[k + 1], ...}: the eight column rows a step of the transpose fills. */
  private static String[] eightRows() {
    String[] out = new String[8];
    for (int i = 0; i < 8; i++) {
      out[i] = "o" + i + " = cols[k" + (i == 0 ? "" : " + " + i) + "]";
    }
    return out;
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    return CodeBlock.builder()
        .add(ActivationCode.fusedBackward(plan))
        .add(kernelBackward(plan, firstGradient))
        .build();
  }

  /**
   * Units a dense layer needs before training splits it by outputs: at least 32 for each of two threads, so that
   * every thread's share is a whole number of the Vector API kernels' blocks on AVX2 and AVX-512 alike.
   */
  static final int SPLIT_MIN_UNITS = 64;

  /**
   * The index of the layer data-parallel training may split by its outputs ({@code Model.splitUnits}), or -1: the
   * network's first layer with code (flattens of the input before it only alias it), if it is a dense layer of at
   * least {@link #SPLIT_MIN_UNITS} units that reads the network's input and has no residual of its own. Its weight is
   * the largest of an MLP, and with the batch split by samples every thread would read all of it and add to all of
   * its gradient, which the threads then exchange; split by outputs, each keeps its own rows.
   */
  static int splitLayer(NetworkPlan plan) {
    int i = 0;
    while (i < plan.layers().size() && plan.layers().get(i).layer() instanceof FlattenModel
        && !plan.layers().get(i).ownsOutput()) {
      i++;
    }
    if (i == plan.layers().size()) {
      return -1;
    }
    LayerPlan first = plan.layers().get(i);
    boolean splits = first.layer() instanceof DenseModel d && d.units() >= SPLIT_MIN_UNITS
        && first.input().equals(LayerPlan.INPUT) && first.skip() == null;
    return splits ? i : -1;
  }

  /**
   * The first layer's forward statements where it may be split ({@link #splitLayer}): with outputs set on the
   * workspace, the layer's outputs were computed by the threads that split it, and this pass copies its own rows of
   * them. Training splits it by outputs ({@link #splitMethods}'s {@code splitForwardPart}, every thread its outputs
   * for the whole batch); {@code ParallelInference} by inputs ({@code splitForwardInputsPart}, whose sums it adds).
   */
  static CodeBlock splitForward(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    return CodeBlock.builder()
        .beginControlFlow("if (ws.firstLayerSplitOutputs() != null)")
        .add("// The threads that split this layer (training by outputs, inference by inputs) computed its outputs.\n")
        .addStatement("System.arraycopy(ws.firstLayerSplitOutputs(), ws.firstLayerSplitSample() * $L, $L, 0, "
            + "batch * $L)", d.units(), ActivationCode.producerTarget(plan), d.units())
        .nextControlFlow("else")
        .add(kernelForward(plan))
        .endControlFlow()
        .add(ActivationCode.fusedForward(plan))
        .build();
  }

  /**
   * The first layer's backward statements where training may split it: with a split set on the workspace, this
   * shard's output gradient goes to its rows of the split's gradients, from which every thread's share adds its
   * rows of the weight gradient ({@code splitWeightGradientPart}) once all shards are done. The input gradient is
   * never wanted then (the workspace refuses a split otherwise).
   */
  static CodeBlock splitBackward(LayerPlan plan, int firstGradient) {
    DenseModel d = (DenseModel) plan.layer();
    return CodeBlock.builder()
        .add(ActivationCode.fusedBackward(plan))
        .beginControlFlow("if (ws.firstLayerSplit())")
        .add("// Training split this layer by outputs: its threads add the weight gradient together afterwards.\n")
        .addStatement("System.arraycopy($L, 0, ws.firstLayerSplitGradients(), ws.firstLayerSplitSample() * $L, "
                + "batch * $L)", LayerCode.buffer(plan.outputGrad()), d.units(), d.units())
        .nextControlFlow("else")
        .add(kernelBackward(plan, firstGradient))
        .endControlFlow()
        .build();
  }

  /**
   * The model's overrides for a first layer training may split ({@link #splitLayer}): its units and learnable
   * tensors, whether its forward pass is split too (with the Vector API kernels: see {@code Model.splitsForward}),
   * a thread's share of its forward pass ({@code splitForwardPart}: outputs {@code from..to-1} of every
   * sample, on the share's own rows of the weight copies its part of the split optimizer step remade) and of its
   * weight gradient ({@code splitWeightGradientPart}: the same rows of the weight and bias gradients, over every
   * sample). The methods of the default build run on the workspace's scratch rows, which the trainer sizes for a
   * whole batch.
   */
  static List<MethodSpec> splitMethods(LayerPlan plan, ClassName workspace, ClassName buffers) {
    DenseModel d = (DenseModel) plan.layer();
    int in = d.inFeatures();
    int units = d.units();
    boolean halves = splitsInHalves(d);
    String weight = LayerCode.field(d.name(), "weight");
    String bias = d.bias() ? LayerCode.field(d.name(), "bias") : "null";
    MethodSpec splitUnits = MethodSpec.methodBuilder("splitUnits")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(TypeName.INT)
        .addStatement("return $L", units)
        .build();
    MethodSpec.Builder splitsForward = MethodSpec.methodBuilder("splitsForward")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(TypeName.BOOLEAN)
        .addParameter(TypeName.INT, "threads");
    if (halves) {
      splitsForward.addStatement("return $T.ENABLED || threads == 2", Methods.VECTOR_BACKEND);
    } else {
      splitsForward.addStatement("return $T.ENABLED", Methods.VECTOR_BACKEND);
    }
    MethodSpec splitParameters = MethodSpec.methodBuilder("splitParameters")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(TypeName.INT)
        .addStatement("return $L", d.bias() ? 2 : 1)
        .build();
    MethodSpec.Builder forwardPart = splitOverride("splitForwardPart", workspace, buffers, "batch", "outputs", "from",
        "to")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .addStatement("$T.denseForwardPart(input, $L, $T.readsTransposed($L) ? $L() : null, $L, outputs, batch, $L, "
                + "$L, from, to)", Methods.VECTOR_BACKEND, weight, Methods.VECTOR_BACKEND, units, flatMethod(d), bias,
            in, units)
        .nextControlFlow("else");
    if (halves) {
      int half = units / 2;
      forwardPart.beginControlFlow("if (to - from == $L && (from == 0 || from == $L))", half, half)
          .addCode("// Two threads' halves, each on a copy of its own with a constant bound (see splitsForward).\n")
          .addStatement("$L(input, $L(from / $L), $L, outputs, ws.$LOutRows, ws.$LNonzero, ws.aligned, batch, from)",
              Methods.pass(d.name(), "ForwardHalf"), halfMethod(d), half, bias, d.name(), d.name())
          .nextControlFlow("else");
    }
    forwardPart.addStatement("$L(input, $L(), $L, outputs, ws.$LOutRows, ws.$LNonzero, batch, from, to)",
        Methods.pass(d.name(), "ForwardPart"), packedMethod(d), bias, d.name(), d.name());
    if (halves) {
      forwardPart.endControlFlow();
    }
    forwardPart.endControlFlow();
    MethodSpec forwardInputs = splitOverride("splitForwardInputsPart", workspace, buffers, "batch", "sums", "from",
        "to", "addBias")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .addStatement("$T.denseForwardInputs(input, $L, $T.readsTransposed($L) ? $L() : null, $L, sums, batch, $L, "
                + "$L, from, to)", Methods.VECTOR_BACKEND, weight, Methods.VECTOR_BACKEND, units, flatMethod(d),
            d.bias() ? "addBias ? " + bias + " : null" : "null", in, units)
        .nextControlFlow("else")
        .addStatement("$L(input, $L(), $L, sums, ws.$LOutRows, ws.$LNonzero, ws.aligned, batch, from, to, addBias)",
            Methods.pass(d.name(), "ForwardInputs"), packedMethod(d), bias, d.name(), d.name())
        .endControlFlow()
        .build();
    MethodSpec gradientPart = splitOverride("splitWeightGradientPart", workspace, buffers, "gradients", "batch", "gw",
        "gb", "from", "to")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .addStatement("$T.denseWeightGradientPart(input, gradients, gw, gb, batch, $L, $L, from, to)",
            Methods.VECTOR_BACKEND, in, units)
        .nextControlFlow("else")
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("System.arraycopy(input, n * $L, ws.$LInputRows[n], $L, $L)", in, d.name(), Methods.ROW_START,
            in)
        .endControlFlow()
        .addStatement("$L(gradients, gw, gb, ws.$LInputRows, ws.aligned, ws.$LActive, batch, from, to)",
            Methods.pass(d.name(), "WeightGradient"), d.name(), d.name())
        .endControlFlow()
        .build();
    List<MethodSpec> methods = new ArrayList<>(List.of(splitUnits, splitsForward.build(), splitParameters,
        forwardPart.build(), forwardInputs, gradientPart, forwardMethod(d, ForwardRange.OUTPUTS),
        forwardMethod(d, ForwardRange.INPUTS)));
    if (halves) {
      methods.add(forwardMethod(d, ForwardRange.HALF));
      if (d.units() / 2 != d.inFeatures()) {
        methods.addAll(Methods.groupPassesMethods(d.name(), d.units() / 2));
      }
      methods.add(Methods.groupInputPassesMethod(d.name(), d.units() / 2, d.inFeatures()));
      methods.add(halfWeightMethod(d));
    }
    return methods;
  }

  /**
   * Whether the default build splits the layer's forward pass by outputs on two threads: where its units divide
   * into two halves. Each half then runs on a transposed copy of its own ({@link #halfWeightMethod}), so that the
   * kernel's bound is a constant and no thread reads or remakes the other's part. On an arbitrary part of a row (the
   * {@code OUTPUTS} kernel) C2 compiles the passes with a variable bound and they ran slower than the whole layer's
   * share of samples: the MLP's first layer at batch 64 split that way took 320-350 µs a half on two threads, and
   * with a copy and a constant bound 230-240 µs, while the remaking of the copies went from 180-215 µs to 60-90
   * (a copy of the generated MLP edited by hand, timed phase by phase on two threads).
   */
  static boolean splitsInHalves(DenseModel d) {
    return d.units() % 2 == 0;
  }

  /**
   * Fields of the split layer ({@link #splitLayer}) beyond its own: in the default build, the two halves' copies of
   * its transposed weight ({@link #splitsInHalves}), their versions, and whether training read them since the copies
   * were last remade together ({@link #splitRepackPart}).
   */
  static List<FieldSpec> splitFields(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    if (!splitsInHalves(d)) {
      return List.of();
    }
    return List.of(
        FieldSpec.builder(ArrayTypeName.of(ArrayTypeName.of(Methods.FLOATS)), halvesField(d), Modifier.PRIVATE,
                Modifier.FINAL)
            .addJavadoc("$L's weight transposed, in two halves by outputs, each made, read and remade by the thread "
                + "that runs that half of a split forward pass ({@code splitsForward}); made on first use.\n",
                d.name())
            .initializer("new float[2][][]")
            .build(),
        FieldSpec.builder(Methods.INTS, halvesField(d) + "Versions", Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("The weight's version each half was made from.\n")
            .initializer("{-1, -1}")
            .build(),
        FieldSpec.builder(TypeName.BOOLEAN, halvesField(d) + "Read", Modifier.PRIVATE, Modifier.VOLATILE)
            .addJavadoc("Whether a split forward pass read the halves since the copies were last remade together.\n")
            .build());
  }

  /**
   * The split layer's statements of {@code repackWeights(part, parts)}: {@link #repackPart}'s, but where training on
   * two threads has been reading the halves' copies ({@link #splitsInHalves}), each thread remakes its own half
   * instead of its share of the whole copy, which that training never reads: the whole copy is left stale, and
   * remade on its next use (an evaluation).
   */
  static CodeBlock splitRepackPart(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    if (!splitsInHalves(d)) {
      return new DenseCode().repackPart(plan);
    }
    String halves = "this." + halvesField(d);
    int half = d.units() / 2;
    return CodeBlock.builder()
        .beginControlFlow("if (!$T.ENABLED && parts == 2 && $LRead)", Methods.VECTOR_BACKEND, halves)
        .add("// Training on two threads reads its halves' own copies (splitsForward), not the whole one.\n")
        .beginControlFlow("if ($L[part] != null)", halves)
        .addStatement("int version = this.$L.weight().version()", d.name())
        .addStatement("$T.transposePart(this.$L, $L, $L, $L[part], part * $L, part * $L + $L, $L)", PACKING,
            LayerCode.field(d.name(), "weight"), d.units(), d.inFeatures(), halves, half, half, half,
            Methods.ROW_START)
        .addStatement("$LVersions[part] = version", halves)
        .endControlFlow()
        .nextControlFlow("else")
        .add(new DenseCode().repackPart(plan))
        .endControlFlow()
        .build();
  }

  /**
   * The split layer's statements of {@code markRepacked()}: {@link #markRepacked}'s, but after the halves were
   * remade ({@link #splitRepackPart}) the whole copy keeps its old version (it was not remade), and the halves
   * count as unread until a split forward pass reads them again.
   */
  static CodeBlock splitMarkRepacked(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    if (!splitsInHalves(d)) {
      return new DenseCode().markRepacked(plan);
    }
    String halves = "this." + halvesField(d);
    return CodeBlock.builder()
        .beginControlFlow("if (!$T.ENABLED && $LRead)", Methods.VECTOR_BACKEND, halves)
        .addStatement("$LRead = false", halves)
        .nextControlFlow("else")
        .add(new DenseCode().markRepacked(plan))
        .endControlFlow()
        .build();
  }

  private static String halvesField(DenseModel d) {
    return d.name() + "Halves";
  }

  private static String halfMethod(DenseModel d) {
    return d.name() + "HalfWeight";
  }

  /**
   * Half {@code half}'s copy of the transposed weight (outputs {@code half * units / 2} on), current with the
   * weight's values: made and remade by the one thread that runs that half (so no lock), and marked read, so that
   * the next split optimizer step's repacking remakes the halves rather than the whole copy.
   */
  private static MethodSpec halfWeightMethod(DenseModel d) {
    String halves = "this." + halvesField(d);
    int half = d.units() / 2;
    return MethodSpec.methodBuilder(halfMethod(d))
        .addModifiers(Modifier.PRIVATE)
        .returns(ArrayTypeName.of(Methods.FLOATS))
        .addParameter(TypeName.INT, "half")
        .addJavadoc("$L's weight transposed, outputs {@code half * $L} to {@code half * $L + $L} only, current with "
            + "the weight's values;\nmade and remade by the thread that runs that half of a split forward pass.\n",
            d.name(), half, half, half)
        .addStatement("int version = this.$L.weight().version()", d.name())
        .addStatement("float[][] copy = $L[half]", halves)
        .beginControlFlow("if (copy == null)")
        .addStatement("copy = $T.rows($L, $L)", PACKING, d.inFeatures(), Methods.alignedStartRowLength(half))
        .addStatement("$L[half] = copy", halves)
        .endControlFlow()
        .beginControlFlow("if ($LVersions[half] != version)", halves)
        .addStatement("$T.transposePart(this.$L, $L, $L, copy, half * $L, half * $L + $L, $L)", PACKING,
            LayerCode.field(d.name(), "weight"), d.units(), d.inFeatures(), half, half, half, Methods.ROW_START)
        .addStatement("$LVersions[half] = version", halves)
        .endControlFlow()
        .addStatement("$LRead = true", halves)
        .addStatement("return copy")
        .build();
  }

  /** Types of the split overrides' parameters after {@code workspace} and {@code input}, by their names. */
  private static final Map<String, TypeName> SPLIT_PARAMETERS = Map.of("batch", TypeName.INT, "from", TypeName.INT,
      "to", TypeName.INT, "addBias", TypeName.BOOLEAN, "outputs", Methods.FLOATS, "sums", Methods.FLOATS,
      "gradients", Methods.FLOATS, "gw", Methods.FLOATS, "gb", Methods.FLOATS);

  /**
   * The head of one of {@code Model}'s protected split methods, overridden: {@code (workspace, input, parameters...)},
   * then the workspace cast to the generated buffers as {@code ws}.
   */
  private static MethodSpec.Builder splitOverride(String name, ClassName workspace, ClassName buffers,
      String... parameters) {
    MethodSpec.Builder method = MethodSpec.methodBuilder(name)
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PROTECTED)
        .addParameter(workspace, "workspace")
        .addParameter(Methods.FLOATS, "input");
    for (String parameter : parameters) {
      method.addParameter(SPLIT_PARAMETERS.get(parameter), parameter);
    }
    return method.addStatement("$T ws = ($T) workspace", buffers, buffers);
  }

  /** The layer's own backward statements, after its fused activation's. */
  private static CodeBlock kernelBackward(LayerPlan plan, int firstGradient) {
    DenseModel d = (DenseModel) plan.layer();
    String input = LayerCode.buffer(plan.input());
    String weight = LayerCode.field(d.name(), "weight");
    String outputGrad = LayerCode.buffer(plan.outputGrad());
    String inputGrad = LayerCode.buffer(plan.inputGrad());
    String biasGrad = d.bias() ? "grads[" + (firstGradient + 1) + "]" : "null";
    String inputGradWanted = LayerCode.inputGradientWanted(firstGradient);
    return CodeBlock.builder()
        .add("// The opt-in Vector API kernels, on the weight as it is (no transposed copy).\n")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .addStatement("$T.denseBackward($L, $L, $L, $L, grads[$L], $L, batch, $L, $L, $L)", Methods.VECTOR_BACKEND,
            input, weight, outputGrad, inputGrad, firstGradient, biasGrad, d.inFeatures(), d.units(),
            inputGradWanted)
        .nextControlFlow("else")
        .addStatement("$L($L, $L, $L, $L, grads[$L], $L, ws.$LInputRows, ws.$LWeightRows, ws.aligned, "
                + "ws.$LActive, ws.$LNonzero, batch, $L)",
            Methods.pass(d.name(), "Backward"), input, weight, outputGrad, inputGrad, firstGradient, biasGrad,
            d.name(), d.name(), d.name(), d.name(), inputGradWanted)
        .endControlFlow()
        .build();
  }

  @Override
  public List<FieldSpec> fields(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    return List.of(
        FieldSpec.builder(ClassName.OBJECT, lockField(d), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("Held while $L's copies of its weight are made or remade.\n", d.name())
            .initializer("new Object()")
            .build(),
        FieldSpec.builder(ArrayTypeName.of(Methods.FLOATS), packedField(d), Modifier.PRIVATE)
            .addJavadoc("$L's weight transposed, one row per input, for the default forward pass; made on first use.\n",
                d.name())
            .build(),
        FieldSpec.builder(TypeName.INT, packedField(d) + "Version", Modifier.PRIVATE, Modifier.VOLATILE)
            .addJavadoc("The weight's version the packed copy was made from.\n")
            .initializer("-1")
            .build(),
        FieldSpec.builder(Methods.FLOATS, flatField(d), Modifier.PRIVATE)
            .addJavadoc("$L's weight transposed into one array, for the opt-in Vector API kernel; made on first use.\n",
                d.name())
            .build(),
        FieldSpec.builder(TypeName.INT, flatField(d) + "Version", Modifier.PRIVATE, Modifier.VOLATILE)
            .addJavadoc("The weight's version the flat copy was made from.\n")
            .initializer("-1")
            .build());
  }

  /**
   * The part of each stale copy that comes from the weight's rows {@code [units * part / parts, units * (part + 1) /
   * parts)}, the rows this thread's share of the split optimizer step has just written (see {@code
   * Packing.transposeRows}): with the Vector API kernels on, the flat copy, the packed rows otherwise; either only
   * once made (a copy is made on its first use, so one the running path never reads never exists). Each reads the
   * version the optimizer's step left; {@link #markRepacked} records it on the copy remade after every part has
   * run.
   */
  @Override
  public CodeBlock repackPart(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    String weight = "this." + LayerCode.field(d.name(), "weight");
    String packed = "this." + packedField(d);
    String flat = "this." + flatField(d);
    String version = d.name() + "Version";
    int units = d.units();
    String from = units + " * part / parts";
    String to = units + " * (part + 1) / parts";
    // Fields through "this.": a layer may be named like a parameter or another layer's local.
    return CodeBlock.builder()
        .addStatement("int $L = this.$L.weight().version()", version, d.name())
        .add("// The Vector API kernels read the flat copy and never the rows; the default loops the reverse.\n")
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .beginControlFlow("if ($L != null && $L != $LVersion)", flat, version, flat)
        .addStatement("$T.transposeFlatRows($L, $L, $L, $L, $L, $L, $T.DENSE_FLAT_BASE)", PACKING, weight, units,
            d.inFeatures(), flat, from, to, Methods.VECTOR_BACKEND)
        .endControlFlow()
        .nextControlFlow("else if ($L != null && $L != $LVersion)", packed, version, packed)
        .addStatement("$T.transposeRows($L, $L, $L, $L, $L, $L, $L)", PACKING, weight, units, d.inFeatures(), packed,
            from, to, Methods.ROW_START)
        .endControlFlow()
        .build();
  }

  @Override
  public CodeBlock markRepacked(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    String flat = "this." + flatField(d);
    String version = d.name() + "Version";
    return CodeBlock.builder()
        .addStatement("int $L = this.$L.weight().version()", version, d.name())
        .beginControlFlow("if ($T.ENABLED)", Methods.VECTOR_BACKEND)
        .beginControlFlow("if ($L != null)", flat)
        .addStatement("$LVersion = $L", flat, version)
        .endControlFlow()
        .nextControlFlow("else if (this.$L != null)", packedField(d))
        .addStatement("this.$LVersion = $L", packedField(d), version)
        .endControlFlow()
        .build();
  }

  private static String packedField(DenseModel d) {
    return d.name() + "Packed";
  }

  private static String lockField(DenseModel d) {
    return d.name() + "CopyLock";
  }

  private static String packedMethod(DenseModel d) {
    return d.name() + "PackedWeight";
  }

  private static String flatField(DenseModel d) {
    return d.name() + "Flat";
  }

  private static String flatMethod(DenseModel d) {
    return d.name() + "FlatWeight";
  }

  /**
   * The flat transposed weight the Vector API kernel reads, made on its first use (only that path needs it, and only
   * for a layer at least a vector wide: see {@code VectorBackend.readsTransposed}) and remade when the weight's
   * version has moved.
   */
  private static MethodSpec flatWeightMethod(DenseModel d) {
    String field = flatField(d);
    CodeBlock refresh = CodeBlock.builder()
        .beginControlFlow("if ($L == null)", field)
        .addStatement("$L = $T.newDenseFlat($L, $L)", field, Methods.VECTOR_BACKEND, d.units(),
            d.inFeatures())
        .endControlFlow()
        .addStatement("$T.transposeFlat($L, $L, $L, $L, $T.DENSE_FLAT_BASE)", PACKING,
            LayerCode.field(d.name(), "weight"), d.units(), d.inFeatures(), field, Methods.VECTOR_BACKEND)
        .build();
    return Methods.versionedCopy(d.name(), lockField(d), flatMethod(d), field, Methods.FLOATS, "transposed into one array",
        refresh);
  }

  /**
   * The packed weight (rows of the transposed weight) the default forward pass reads, made on its first use (the
   * Vector API kernels never read it: 840 KB for the MLP's first layer) and remade when the weight's version has
   * moved.
   */
  private static MethodSpec packedWeightMethod(DenseModel d) {
    String field = packedField(d);
    CodeBlock refresh = CodeBlock.builder()
        .beginControlFlow("if ($L == null)", field)
        .addStatement("$L = new float[$L][$L]", field, d.inFeatures(), Methods.alignedStartRowLength(d.units()))
        .endControlFlow()
        .addStatement("$T.transpose($L, $L, $L, $L, $L)", PACKING, LayerCode.field(d.name(), "weight"), d.units(),
            d.inFeatures(), field, Methods.ROW_START)
        .build();
    return Methods.versionedCopy(d.name(), lockField(d), packedMethod(d), field, ArrayTypeName.of(Methods.FLOATS),
        "transposed", refresh);
  }

  /**
   * Weight floats the forward pass keeps in L1 (16 KiB, half of a 32 KiB L1, leaving room for the accumulator rows
   * and inputs) while every sample of the batch passes over them: the inputs come in blocks of {@code BLOCK_FLOATS /
   * units} rows of the transposed weight (measured on the MLP's first layer at batch 64: 2 to 3 times faster than
   * streaming the whole 800 KB weight once per four samples; 16 KiB blocks 9% faster than 32 KiB on an AMD Zen 4).
   */
  private static final int BLOCK_FLOATS = 4096;

  /**
   * Transposed-weight rows per input block where the sums go through the aligned arena ({@link #blockRows} of {@link
   * #ALIGNED_BLOCK_FLOATS}), and at most one chunk of the group passes' values, which the listing of a block copies
   * into the arena ({@code Methods.listNonZeroInAnyCopying}).
   */
  static int alignedInputBlock(DenseModel d) {
    return blockRows(d, ALIGNED_BLOCK_FLOATS, Methods.VALUES_PER_CHUNK);
  }

  /**
   * Weight floats per input block where the sums go through the aligned arena ({@code Methods.slot}): each block
   * copies every group's four accumulator rows into the arena and back, so a block is much larger than {@link
   * #BLOCK_FLOATS} (the copies then cost a few percent of the block's products), its weight rows read from L2: 256
   * KiB, half of a Zen 3's L2. The MLP at batch 64 (this round's Zen 5, 1 MB of L2; the whole network's pass, the
   * builds side by side in one JVM, medians of 25 rounds): blocks of 16 KiB took 436 µs, 64 KiB 349, 256 KiB 353 and
   * the whole 800 KiB weight 329, against 424 for the unaligned loops on 16 KiB blocks.
   */
  private static final int ALIGNED_BLOCK_FLOATS = 65536;

  /** Transposed-weight rows per input block where a share of outputs updates its rows in place. */
  static int inputBlock(DenseModel d) {
    return blockRows(d, BLOCK_FLOATS, Integer.MAX_VALUE);
  }

  /**
   * Transposed-weight rows per input block of about {@code floats} weight floats: a multiple of the rows per pass
   * ({@link Methods#ROWS_PER_PASS}), at least one pass, at most {@code most} rounded down to whole passes, at most the
   * whole input.
   */
  private static int blockRows(DenseModel d, int floats, int most) {
    int pass = Methods.ROWS_PER_PASS;
    int rows = Math.max(pass, floats / d.units() / pass * pass);
    return Math.min(Math.min(rows, Math.max(pass, most / pass * pass)), d.inFeatures());
  }

  /**
   * Forward on the transposed weight, in blocks of inputs whose weight rows stay in L1. For each block, four
   * samples at a time list the inputs in the block that are non-zero in any of them, on their bits, without a branch
   * (whether an input is zero is unpredictable; after a ReLU about half are), then add two of those weight rows per
   * pass into their four accumulator rows: each weight row is loaded once for four samples. Where the aligned arena
   * takes the sums and no input of the block is zero in all four (a scan that stops at the first that is), the list
   * would hold every input in order: the passes then take the inputs in order and read their values from {@code x}
   * ({@code Methods.groupInputPassesMethod}), the same sums without the listing loop. The samples left over,
   * fewer than four, go one at a time with their own non-zero inputs, eight weight rows a pass (what every sample did
   * before: on the MLP at batch 64, its three layers took 650, 78 and 16 µs that way and 525, 68 and 11 µs in groups,
   * although after a ReLU the inputs non-zero in any of four samples are about 1.6 times those of each; a sample
   * adds {@code 0 * w} for an input zero in it alone, which changes nothing). The transposed weight's rows are
   * separate arrays, each holding its data from {@code Methods.ROW_START}, and the sums are copied for each block into
   * the workspace's aligned arena, at constant offsets that share that place in a cache line ({@code Methods.slot}):
   * C2 vectorises the innermost loop only when its arrays share an offset within a vector, and with the arena at the
   * start of a heap region its pre-loop runs once and nothing is left for a scalar post-loop (see {@code
   * AlignedArena}). A lone sample takes all its inputs as one block: nothing to share, and fewer leftover single
   * rows.
   */
  private static MethodSpec forwardMethod(DenseModel d) {
    return forwardMethod(d, ForwardRange.WHOLE);
  }

  /** What a copy of {@link #forwardMethod} computes: the whole layer, or one thread's share of a split. */
  private enum ForwardRange {
    WHOLE,
    /**
     * Outputs {@code from..to-1} of every sample (a thread's share where training splits the network's first layer
     * by outputs: {@link #splitForward}): the same passes over a range of each row, which C2 vectorises in the groups
     * of four samples (see {@code Methods.addListedRowsToGroup}); the samples left over from the groups, at most
     * three, run scalar there.
     */
    OUTPUTS,
    /**
     * Every output summed over inputs {@code from..to-1} only, from the bias where {@code addBias} and from zero
     * otherwise (a thread's share where inference splits the first layer by inputs, {@code
     * Model.splitForwardInputs}): the same passes over whole rows, so a lone sample's eight-row updates keep their
     * constant bound and stay vectorised. (The split by outputs runs them over part of each row, which C2 leaves
     * scalar: one sample of the MLP's first layer took 21.5 µs split by outputs on two threads against 5.5 split by
     * inputs and 10.7 on one, scratch harness.)
     */
    INPUTS,
    /**
     * Outputs {@code from} to {@code from + units / 2 - 1} of every sample, on that half's own copy of the transposed
     * weight (rows from {@code Methods.ROW_START}), with a constant bound ({@link #splitsInHalves}): the whole
     * layer's passes over half of each row, the same sums in the same order.
     */
    HALF
  }

  /** The OR of the {@code bits} expressions, the sign cleared: 0 exactly where every one is a zero of either sign. */
  private static String zeroTest(String[] bits) {
    return "(" + String.join(" | ", bits) + ") & 0x7fffffff";
  }

  private static MethodSpec forwardMethod(DenseModel d, ForwardRange range) {
    int group = Methods.TARGETS_PER_GROUP;
    int in = d.inFeatures();
    int out = d.units();
    boolean outputs = range == ForwardRange.OUTPUTS;
    boolean inputs = range == ForwardRange.INPUTS;
    boolean half = range == ForwardRange.HALF;
    String from = outputs ? "from" : "0";
    String to = outputs ? "to" : String.valueOf(half ? out / 2 : out);
    String kFrom = inputs ? "from" : "0";
    String kTo = inputs ? "to" : String.valueOf(in);
    // A share of outputs runs its loops on the rows themselves, which then hold their data from ROW_START as the
    // whole copy's rows do; the other ranges copy the rows into the aligned arena and back, from index 0.
    String zero = outputs ? "java.util.Arrays.fill(rows[n], " + Methods.ROW_START + " + from, " + Methods.ROW_START
        + " + to, 0f)" : "java.util.Arrays.fill(rows[n], " + from + ", " + to + ", 0f)";
    String copyBias = outputs ? "System.arraycopy(b, from, rows[n], " + Methods.ROW_START + " + from, to - from)"
        : half ? "System.arraycopy(b, from, rows[n], 0, " + out / 2 + ")"
        : "System.arraycopy(b, 0, rows[n], 0, " + out + ")";
    CodeBlock.Builder body = CodeBlock.builder()
        .beginControlFlow("for (int n = 0; n < batch; n++)");
    if (!d.bias()) {
      body.addStatement(zero);
    } else if (inputs) {
      body.beginControlFlow("if (addBias)")
          .addStatement(copyBias)
          .nextControlFlow("else")
          .addStatement(zero)
          .endControlFlow();
    } else {
      body.addStatement(copyBias);
    }
    // The transposed copies' rows (the whole layer's and a half's) hold their data from ROW_START. Where the bounds
    // are constants, the sums go through the aligned arena: copied into its slots for each block of inputs, updated
    // there, copied back; a share of outputs, with variable bounds, updates its rows in place.
    boolean arena = !outputs;
    int rowStart = Methods.ROW_START;
    int width = half ? out / 2 : out;
    body.endControlFlow()
        .addStatement("int block = batch > 1 ? $L : $L", arena ? alignedInputBlock(d) : inputBlock(d), in)
        .beginControlFlow("for (int k0 = $L; k0 < $L; k0 += block)", kFrom, kTo)
        .addStatement("int k1 = Math.min($L, k0 + block)", kTo)
        .addStatement("int n = 0")
        .add("// Four samples at a time share each weight row's load.\n")
        .beginControlFlow("for (; n + $L < batch; n += $L)", group - 1, group)
        .addStatement("$L", declarations("float[] ", "s", "rows[n + %d]"))
        .addStatement("$L", declarations("int ", "x", "(n + %d) * " + in));
    if (arena) {
      String[] bits = new String[group];
      for (int t = 0; t < group; t++) {
        bits[t] = "Float.floatToRawIntBits(x[x" + t + " + i])";
      }
      body.add("// The block's first input zero in all four samples, which the listing would leave out, if any\n")
          .add("// (after a ReLU one comes soon, and the scan stops there).\n")
          .addStatement("int zero = k0")
          .beginControlFlow("while (zero < k1)")
          .addStatement("int i = zero")
          .beginControlFlow("if (($L) == 0)", zeroTest(bits))
          .addStatement("break")
          .endControlFlow()
          .addStatement("zero++")
          .endControlFlow();
      for (int t = 0; t < group; t++) {
        body.addStatement("System.arraycopy(s$L, 0, acc, $L, $L)", t, Methods.slot(t, width), width);
      }
      int pass = Methods.ALIGNED_ROWS_PER_GROUP_PASS;
      body.beginControlFlow("if (zero == k1)")
          .add("// None: the list would be every input in order, so the passes take them in order, their values\n")
          .add("// read from x (the same sums, bit for bit, without the listing loop); the last few as a list.\n")
          .addStatement("int full = k0 + (k1 - k0) / $L * $L", pass, pass)
          .addStatement("$L(acc, wt, x, x0, k0, full)", Methods.groupInputPassesName(d.name(), width))
          // The rows a pass leaves listed as the other path lists them (all of them: none is zero in all four).
          .add(Methods.listNonZeroInAnyCopying("nonzero", "i", "full", "k1", width, indexed("x[x%d + i]")))
          .beginControlFlow("if (count > 0)")
          .addStatement("$L(acc, wt, nonzero, 0, 0, count)", Methods.groupPassesLeftName(d.name(), width))
          .endControlFlow()
          .nextControlFlow("else")
          // A block is at most one chunk of values (alignedInputBlock), so the listing copies them as it goes.
          .add(Methods.listNonZeroInAnyCopying("nonzero", "i", "k0", "k1", width, indexed("x[x%d + i]")))
          .add(Methods.callGroupPasses(d.name(), "nonzero", "wt", width, "0", "count"))
          .endControlFlow();
      for (int t = 0; t < group; t++) {
        body.addStatement("System.arraycopy(acc, $L, s$L, 0, $L)", Methods.slot(t, width), t, width);
      }
    } else {
      body.add(Methods.listNonZeroInAny("nonzero", "i", "k0", "k1", indexed("x[x%d + i]")))
          .add(Methods.addListedRowsToGroup("nonzero", indexed("x[x%d + %%s]"), "wt[%s]", indexed("s%d"), rowStart,
          from, to));
    }
    body.endControlFlow()
        .add("// The samples left over, one at a time.\n")
        .beginControlFlow("for (; n < batch; n++)")
        .addStatement("float[] s = rows[n]")
        .addStatement("int x0 = n * $L", in)
        .add(Methods.listNonZero("nonzero", "i", "k0", "k1", "x[x0 + i]"));
    if (arena) {
      body.addStatement("System.arraycopy(s, 0, acc, $L, $L)", Methods.slot(0, width), width)
          .add(Methods.addListedRowsAligned("nonzero", "x[x0 + %s]", "wt[%s]", width))
          .addStatement("System.arraycopy(acc, $L, s, 0, $L)", Methods.slot(0, width), width);
    } else {
      body.add(Methods.addListedRows("nonzero", "x[x0 + %s]", "wt[%s]", "s[" + rowStart + " + i]", rowStart, from,
          to));
    }
    body.endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (int n = 0; n < batch; n++)");
    if (outputs) {
      body.addStatement("System.arraycopy(rows[n], $L, y, n * $L + from, to - from)", Methods.linear("from", 1,
          rowStart), out);
    } else if (half) {
      body.addStatement("System.arraycopy(rows[n], 0, y, n * $L + from, $L)", out, out / 2);
    } else {
      body.addStatement("System.arraycopy(rows[n], 0, y, n * $L, $L)", out, out);
    }
    body.endControlFlow();
    MethodSpec.Builder method = switch (range) {
      case OUTPUTS -> Methods.kernel(Methods.pass(d.name(), "ForwardPart"),
          "$L forward, outputs {@code from..to-1} of every sample only: $L -> $L.\n", d.name(), d.input(), d.output());
      case INPUTS -> Methods.kernel(Methods.pass(d.name(), "ForwardInputs"),
          "$L forward, every output summed over inputs {@code from..to-1} only, from the bias if {@code addBias}: $L "
              + "-> $L.\n", d.name(), d.input(), d.output());
      case WHOLE -> Methods.kernel(Methods.pass(d.name(), "Forward"), "$L forward: $L -> $L.\n", d.name(), d.input(),
          d.output());
      case HALF -> Methods.kernel(Methods.pass(d.name(), "ForwardHalf"),
          "$L forward, outputs {@code from..from+$L} of every sample only, on that half's own copy of the "
              + "transposed weight: $L -> $L.\n", d.name(), out / 2 - 1, d.input(), d.output());
    };
    method.addParameter(Methods.FLOATS, "x")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wt")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "rows")
        .addParameter(Methods.INTS, "nonzero");
    if (range != ForwardRange.OUTPUTS) {
      method.addParameter(Methods.FLOATS, "acc");
    }
    method.addParameter(TypeName.INT, "batch");
    if (range == ForwardRange.HALF) {
      method.addParameter(TypeName.INT, "from");
    } else if (range != ForwardRange.WHOLE) {
      method.addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to");
    }
    if (inputs) {
      method.addParameter(TypeName.BOOLEAN, "addBias");
    }
    return method.addCode(body.build()).build();
  }

  /**
   * Backward: the weight and bias gradients ({@link #weightGradientMethods}), then the input gradient if asked
   * ({@link #inputGradientMethods}), each from per-sample or per-output rows copied here to index {@code
   * Methods.ROW_START} on, the place of the aligned arena's slots that the inner loops sum into: C2 vectorises them
   * only when every array is indexed at the same offset within a vector.
   */
  private static MethodSpec backwardMethod(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    CodeBlock body = CodeBlock.builder()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("System.arraycopy(x, n * $L, xRows[n], $L, $L)", in, Methods.ROW_START, in)
        .endControlFlow()
        .addStatement("$L(g, gw, gb, xRows, acc, active, batch, 0, $L)", Methods.pass(d.name(), "WeightGradient"),
            out)
        .beginControlFlow("if (inputGrad)")
        .beginControlFlow("for (int o = 0; o < $L; o++)", out)
        .addStatement("System.arraycopy(w, o * $L, wRows[o], $L, $L)", in, Methods.ROW_START, in)
        .endControlFlow()
        .addStatement("$L(g, gx, wRows, acc, outputs, batch)", Methods.pass(d.name(), "InputGradient"))
        .endControlFlow()
        .build();
    return Methods.kernel(Methods.pass(d.name(), "Backward"),
            "$L backward: adds the weight and bias gradients, writes the input gradient if asked.\n", d.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "xRows")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wRows")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(Methods.INTS, "active")
        .addParameter(Methods.INTS, "outputs")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "inputGrad")
        .addCode(body)
        .build();
  }

  /**
   * When a group of four goes together: when the rows the group's union list adds into its four targets (four per
   * listed entry) are at most 1.6 times the rows its targets' own lists add one by one. A row added in a group costs
   * about 0.55 of one added alone (each listed row is loaded once for four targets instead of once per target, and
   * these rows come from L2: on the MLP's first layer at batch 64, 64 input rows of 784 floats): with three quarters
   * of the gradients non-zero, the first layer's weight gradient took 236 µs in groups against 302 one by one, and
   * with half of them 233 against 224 (scratch harness, AMD Zen 5). 1.6 rather than the break-even 1.8 leaves room
   * for hosts where the group gains less (on an AMD Zen 4, with the union 1.6 times each output's own list, groups
   * lost).
   */
  static final String GROUP_PAYS = "5 * union <= 2 * each";

  /**
   * The weight and bias gradients, four outputs at a time. The samples with a non-zero gradient for any of the four
   * are listed without a branch, and counted, as are each output's own (in the benchmark's MLP, after its first ReLU,
   * three quarters of the samples for each output and nearly all for a group); where the group pays
   * ({@link #GROUP_PAYS}), the four outputs' weight-gradient rows are copied into the aligned arena's slots
   * and every listed sample's input row is added into all four, three samples a pass (in the layer's passes
   * methods, {@code Methods.addListedRowsToGroupAligned}): one load of the input row for four outputs (a sample
   * whose gradient is zero for an output adds {@code 0 * x} there, which leaves the sum as it was, so the sums are
   * the same bits either way, a zero's sign aside). Otherwise each output goes alone as
   * before: its row copied into the arena's first slot (L1), its own samples' input rows (L2) added eight per pass.
   */
  private static List<MethodSpec> weightGradientMethods(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    int group = Methods.TARGETS_PER_GROUP;
    String name = Methods.pass(d.name(), "WeightGradient");
    // Fewer outputs than a group: every output goes alone, and the group's code would be dead.
    boolean groups = out >= group;
    CodeBlock.Builder body = CodeBlock.builder()
        .beginControlFlow("for (int o0 = from; o0 < to; o0 += $L)", group)
        .addStatement("int width = Math.min($L, to - o0)", group);
    List<MethodSpec> methods = new ArrayList<>();
    if (groups) {
      body.addStatement("int union = 0")
          .addStatement("int each = 0")
          .beginControlFlow("if (width == $L)", group)
          .add("// The samples with a non-zero gradient for any of the four outputs, and the count for each.\n")
          .beginControlFlow("for (int n = 0; n < batch; n++)")
          .addStatement("int g0 = n * $L + o0", out)
          .addStatement("$L", declarations("int ", "b", "Float.floatToRawIntBits(g[g0 + %d])"))
          .addStatement("active[union] = n")
          .add(countUnionAndEach())
          .endControlFlow()
          .endControlFlow()
          .beginControlFlow("if (width == $L && $L)", group, GROUP_PAYS)
          .addStatement("$LGroup(g, gw, gb, xRows, acc, active, union, o0)", name)
          .nextControlFlow("else");
      CodeBlock.Builder groupBody = CodeBlock.builder();
      for (int t = 0; t < group; t++) {
        groupBody.addStatement("System.arraycopy(gw, $L, acc, $L, $L)", outputStart(t, in), Methods.slot(t, in), in);
      }
      if (d.bias()) {
        groupBody.addStatement("$L", declarations("float ", "sum", "0f"))
            .beginControlFlow("for (int j = 0; j < count; j++)")
            .addStatement("int g0 = active[j] * $L + o0", out);
        for (int t = 0; t < group; t++) {
          groupBody.addStatement("sum$L += g[$L]", t, Methods.linear("g0", 1, t));
        }
        groupBody.endControlFlow();
        for (int t = 0; t < group; t++) {
          groupBody.addStatement("gb[$L] += sum$L", Methods.linear("o0", 1, t), t);
        }
      }
      groupBody.add("// Three samples' input rows per pass over the four weight-gradient rows, in passes of their "
              + "own.\n")
          .add(Methods.addListedRowsToGroupAligned(d.name(), "active", indexed("g[%%s * " + out + " + o0 + %d]"),
              "xRows", in));
      for (int t = 0; t < group; t++) {
        groupBody.addStatement("System.arraycopy(acc, $L, gw, $L, $L)", Methods.slot(t, in), outputStart(t, in), in);
      }
      MethodSpec.Builder groupMethod = Methods.kernel(name + "Group",
              "$L for outputs {@code o0..o0+3} together, over the {@code count} samples listed in {@code active}: "
                  + "their weight-gradient rows\ncopied into the aligned arena's four slots, every listed sample's "
                  + "input row added into all four (a method of its own, which the JIT compiles early and small).\n",
              name)
          .addParameter(Methods.FLOATS, "g")
          .addParameter(Methods.FLOATS, "gw")
          .addParameter(Methods.FLOATS, "gb")
          .addParameter(ArrayTypeName.of(Methods.FLOATS), "xRows")
          .addParameter(Methods.FLOATS, "acc");
      methods.add(groupMethod.addParameter(Methods.INTS, "active")
          .addParameter(TypeName.INT, "count")
          .addParameter(TypeName.INT, "o0")
          .addCode(groupBody.build())
          .build());
    }
    body.beginControlFlow("for (int o = o0; o < o0 + width; o++)")
        .addStatement("$LOutput(g, gw, gb, xRows, acc, active, batch, o)", name)
        .endControlFlow();
    if (groups) {
      body.endControlFlow();
    }
    body.endControlFlow();
    CodeBlock.Builder outputBody = CodeBlock.builder()
        .addStatement("int wo = o * $L", in)
        .addStatement("System.arraycopy(gw, wo, acc, $L, $L)", Methods.slot(0, in), in)
        .add("// The samples with a non-zero gradient for this output, listed without a branch.\n")
        .add(Methods.listNonZero("active", "n", "0", "batch", "g[n * " + out + " + o]"));
    if (d.bias()) {
      outputBody.addStatement("float sum = 0f")
          .beginControlFlow("for (int j = 0; j < count; j++)")
          .addStatement("sum += g[active[j] * $L + o]", out)
          .endControlFlow()
          .addStatement("gb[o] += sum");
    }
    outputBody.add("// Eight samples' input rows per pass over the weight-gradient row.\n")
        .add(Methods.addListedRowsAligned("active", "g[%s * " + out + " + o]", "xRows[%s]", in))
        .addStatement("System.arraycopy(acc, $L, gw, wo, $L)", Methods.slot(0, in), in);
    methods.add(Methods.kernel(name + "Output",
            "$L for output {@code o} alone: its weight-gradient row copied into the arena's first slot, the input "
                + "rows of the samples with a\nnon-zero gradient for it added eight a pass (a method of its own, which "
                + "the JIT compiles early and small).\n", name)
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "xRows")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(Methods.INTS, "active")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.INT, "o")
        .addCode(outputBody.build())
        .build());
    methods.add(0, Methods.kernel(name,
            "$L's weight and bias gradients for outputs {@code from..to-1} (all of them in its backward pass, a\n"
                + "thread's share where training splits the layer), added to {@code gw} and {@code gb}.\n", d.name())
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "xRows")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(Methods.INTS, "active")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addCode(body.build())
        .build());
    return methods;
  }

  /**
   * The input gradient, four samples at a time, the converse of {@link #weightGradientMethods}: the outputs with a
   * non-zero gradient in any of the four samples are listed and counted; where the group pays ({@link #GROUP_PAYS}),
   * their weight rows are added into the four samples' slots of the aligned arena, three a pass, each weight row
   * loaded once for four samples; otherwise each sample lists its own outputs and adds their weight rows, eight per
   * pass.
   */
  private static List<MethodSpec> inputGradientMethods(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    int group = Methods.TARGETS_PER_GROUP;
    String name = Methods.pass(d.name(), "InputGradient");
    CodeBlock.Builder body = CodeBlock.builder()
        .beginControlFlow("for (int n0 = 0; n0 < batch; n0 += $L)", group)
        .addStatement("int width = Math.min($L, batch - n0)", group)
        .addStatement("int union = 0")
        .addStatement("int each = 0")
        .addStatement("$L", sampleOffsets(out))
        .beginControlFlow("if (width == $L)", group)
        .add("// The outputs with a non-zero gradient in any of the four samples, and the count for each.\n")
        .beginControlFlow("for (int o = 0; o < $L; o++)", out)
        .addStatement("$L", declarations("int ", "b", "Float.floatToRawIntBits(g[g%d + o])"))
        .addStatement("outputs[union] = o")
        .add(countUnionAndEach())
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("if (width == $L && $L)", group, GROUP_PAYS)
        .addStatement("$LGroup(g, gx, wRows, acc, outputs, union, n0)", name)
        .nextControlFlow("else")
        .beginControlFlow("for (int n = n0; n < n0 + width; n++)")
        .addStatement("$LSample(g, gx, wRows, acc, outputs, n)", name)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    CodeBlock.Builder groupBody = CodeBlock.builder().addStatement("$L", sampleOffsets(out));
    for (int t = 0; t < group; t++) {
      groupBody.addStatement("java.util.Arrays.fill(acc, $L, $L, 0f)", Methods.slot(t, in), Methods.slot(t, in) + in);
    }
    groupBody.add("// Three outputs' weight rows per pass over the four samples' rows, in passes of their own.\n")
        .add(Methods.addListedRowsToGroupAligned(d.name(), "outputs", indexed("g[g%d + %%s]"), "wRows", in));
    for (int t = 0; t < group; t++) {
      groupBody.addStatement("System.arraycopy(acc, $L, gx, $L, $L)", Methods.slot(t, in),
          Methods.linear("n0", in, t * in), in);
    }
    MethodSpec.Builder groupMethod = Methods.kernel(name + "Group",
            "$L for samples {@code n0..n0+3} together, over the {@code count} outputs listed in {@code outputs}: "
                + "their weight rows added\ninto the four samples' slots of the aligned arena, each loaded once for "
                + "four (a method of its own, which the JIT compiles early and small).\n", name)
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wRows")
        .addParameter(Methods.FLOATS, "acc");
    groupMethod.addParameter(Methods.INTS, "outputs")
        .addParameter(TypeName.INT, "count")
        .addParameter(TypeName.INT, "n0")
        .addCode(groupBody.build());
    CodeBlock sampleBody = CodeBlock.builder()
        .addStatement("java.util.Arrays.fill(acc, $L, $L, 0f)", Methods.slot(0, in), Methods.slot(0, in) + in)
        .addStatement("int gn = n * $L", out)
        .add("// This sample's outputs with a non-zero gradient; eight of their weight rows per pass.\n")
        .add(Methods.listNonZero("outputs", "o", "0", String.valueOf(out), "g[gn + o]"))
        .add(Methods.addListedRowsAligned("outputs", "g[gn + %s]", "wRows[%s]", in))
        .addStatement("System.arraycopy(acc, $L, gx, n * $L, $L)", Methods.slot(0, in), in, in)
        .build();
    MethodSpec sampleMethod = Methods.kernel(name + "Sample",
            "$L for sample {@code n} alone: the weight rows of its outputs with a non-zero gradient added eight a "
                + "pass (a method of\nits own, which the JIT compiles early and small).\n", name)
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wRows")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(Methods.INTS, "outputs")
        .addParameter(TypeName.INT, "n")
        .addCode(sampleBody)
        .build();
    MethodSpec main = Methods.kernel(name, "$L's input gradient, written to {@code gx}.\n", d.name())
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wRows")
        .addParameter(Methods.FLOATS, "acc")
        .addParameter(Methods.INTS, "outputs")
        .addParameter(TypeName.INT, "batch")
        .addCode(body.build())
        .build();
    return List.of(main, groupMethod.build(), sampleMethod);
  }

  /**
   * Counts, from the bits {@code b0, b1, ...} of a group's values for one entry, whether the entry is non-zero in any
   * of them ({@code union}, which also moves the list on) and in how many ({@code each}).
   */
  private static CodeBlock countUnionAndEach() {
    List<CodeBlock> any = new ArrayList<>();
    List<CodeBlock> each = new ArrayList<>();
    for (int t = 0; t < Methods.TARGETS_PER_GROUP; t++) {
      any.add(CodeBlock.of("b$L", t));
      each.add(CodeBlock.of("$T.isNonZero(b$L)", ConvCode.FLOAT_BITS, t));
    }
    return CodeBlock.builder()
        .addStatement("union += $T.isNonZero($L)", ConvCode.FLOAT_BITS, CodeBlock.join(any, " | "))
        .addStatement("each += $L", CodeBlock.join(each, " + "))
        .build();
  }

  /** Where output {@code o0 + t}'s weight row starts: {@code o0 * 784 + 1568}. */
  private static String outputStart(int t, int in) {
    return Methods.linear("o0", in, t * in);
  }

  /**
   * Where each of four samples' gradients start: {@code int g0 = n0 * 10, g1 = g0 + 10, ...} (past the batch for a
   * last group of fewer than four, which reads none of them).
   */
  private static String sampleOffsets(int out) {
    StringBuilder offsets = new StringBuilder("int g0 = n0 * " + out);
    for (int t = 1; t < Methods.TARGETS_PER_GROUP; t++) {
      offsets.append(", g").append(t).append(" = g").append(t - 1).append(" + ").append(out);
    }
    return offsets.toString();
  }

  /** {@code pattern} (with {@code %d} for the target) for each target of a group: {@code x[x0 + i]}, ... */
  private static String[] indexed(String pattern) {
    String[] each = new String[Methods.TARGETS_PER_GROUP];
    for (int t = 0; t < each.length; t++) {
      // "rows[n]", not "rows[n + 0]".
      each[t] = String.format(pattern, t).replace("(n + 0)", "n").replace(" + 0]", "]");
    }
    return each;
  }

  /** One declaration of a variable per target of a group: {@code float[] s0 = rows[n], s1 = rows[n + 1], ...}. */
  private static String declarations(String type, String name, String initializer) {
    String[] each = indexed(initializer);
    for (int t = 0; t < each.length; t++) {
      each[t] = name + t + " = " + each[t];
    }
    return type + String.join(", ", each);
  }
}
