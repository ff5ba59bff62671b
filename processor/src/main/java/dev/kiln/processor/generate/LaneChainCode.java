package dev.kiln.processor.generate;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.plan.LayerPlan;
import dev.kiln.processor.plan.NetworkPlan;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * The inference path of the opt-in Vector API kernels for a network's leading convolutions ({@link
 * NetworkPlan#laneChain}): whole groups of samples, one per vector lane, go through every convolution of the chain
 * with its ReLU and 2x2 max pool in the runtime's {@code VectorLanes}, and come out into the buffer the layer after
 * the chain reads. The batch's leftover samples (fewer than a group, and every sample of a batch smaller than a
 * group) go one at a time through the runtime's {@code VectorPooledConv}, straight from the image, where every chain
 * convolution takes it ({@link NetworkPlan#laneChainPooled}); otherwise they take each layer's own kernel from the
 * first sample past the groups on. Each sample gets the same bits every way.
 *
 * <p>The lanes hold only the chain's last result in the layers' buffers: the convolutions' own outputs and the
 * results between them stay in lanes (the pooled kernels write the pools' results, but never the convolutions'
 * outputs). So the workspace remembers that a forward pass ran in lanes, and a backward
 * pass after it first runs the forward pass again as written (as after a folded batch norm).
 */
final class LaneChainCode {
  /** The workspace's flag: the last forward pass ran in lanes. */
  static final String FLAG = "laned";
  /** The local of {@code forwardLayers} that counts the samples run in lanes. */
  static final String IN_LANES = "inLanes";
  private static final ClassName VECTOR = Methods.VECTOR_BACKEND;

  private LaneChainCode() {}

  private static String inputBuffer(ConvModel c) {
    return c.name() + "LaneInput";
  }

  private static String outputBuffer(List<LayerPlan> chain) {
    return chain.get(chain.size() - 1).layer().name() + "LaneOutput";
  }

  /**
   * Each chain convolution's tap table ({@link ConvCode#tapsField}; a lane image's planes are the source image's, in
   * pixels), made once per class, unless the convolution's own code makes it already (for the wide grid).
   */
  static List<FieldSpec> fields(NetworkPlan plan) {
    List<FieldSpec> fields = new ArrayList<>();
    boolean pooled = plan.laneChainPooled();
    for (LayerPlan l : plan.laneChain()) {
      ConvModel c = (ConvModel) l.layer();
      if (!c.wideGrid()) {
        fields.add(ConvCode.tapsFieldSpec(c));
      }
      if (pooled) {
        fields.addAll(pooledFields(c));
      }
    }
    return fields;
  }

  private static String pooledTaps(ConvModel c) {
    return c.name() + "PooledTaps";
  }

  private static String pooledWeight(ConvModel c) {
    return c.name() + "PooledWeight";
  }

  private static String pooledLock(ConvModel c) {
    return c.name() + "PooledLock";
  }

  private static String pooledScratch(ConvModel c) {
    return c.name() + "PooledScratch";
  }

  /**
   * The runtime's description of a chain convolution for the pooled kernels, as arguments in the order {@code
   * VectorBackend.pooledTaps}, {@code pooledScratchSize} and {@code convPooled} take them: its input's channels,
   * height and width, its padding, filters and kernel.
   */
  private static String pooledGeometry(ConvModel c) {
    Window w = c.window();
    return c.input().channels() + ", " + c.input().height() + ", " + c.input().width() + ", " + w.ph() + ", "
        + w.pw() + ", " + c.filters() + ", " + w.kh() + ", " + w.kw();
  }

  /**
   * A chain convolution's tap table for the one-sample pooled kernels, and its weight transposed ({@code
   * [taps][filters]}) for the kernel that puts the filters in lanes, made on first use with its version and lock.
   */
  private static List<FieldSpec> pooledFields(ConvModel c) {
    return List.of(
        FieldSpec.builder(Methods.INTS, pooledTaps(c), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("$L: where each tap reads its input in the one-sample pooled kernels (the Vector API "
                + "kernels).\n", c.name())
            .initializer("$T.pooledTaps($L)", VECTOR, pooledGeometry(c))
            .build(),
        FieldSpec.builder(Methods.FLOATS, pooledWeight(c), Modifier.PRIVATE)
            .addJavadoc("$L's weight transposed, for the one-sample pooled kernel with filters in lanes; made on first "
                + "use.\n", c.name())
            .build(),
        FieldSpec.builder(TypeName.INT, pooledWeight(c) + "Version", Modifier.PRIVATE, Modifier.VOLATILE)
            .addJavadoc("The weight's version the transposed copy was made from.\n")
            .initializer("-1")
            .build(),
        FieldSpec.builder(ClassName.OBJECT, pooledLock(c), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("Serialises remaking $L's transposed copy.\n", c.name())
            .initializer("new Object()")
            .build());
  }

  /** Each chain convolution's transposed-weight method, for the pooled kernels; none unless the chain takes them. */
  static List<MethodSpec> pooledWeightMethods(NetworkPlan plan) {
    List<MethodSpec> methods = new ArrayList<>();
    if (!plan.laneChainPooled()) {
      return methods;
    }
    for (LayerPlan l : plan.laneChain()) {
      ConvModel c = (ConvModel) l.layer();
      String field = pooledWeight(c);
      int taps = ConvModel.rowLength(c);
      CodeBlock refresh = CodeBlock.builder()
          .beginControlFlow("if ($L == null)", field)
          .addStatement("$L = new float[$L]", field, c.filters() * taps)
          .endControlFlow()
          .addStatement("$T.transposeFlat($L, $L, $L, $L)", Methods.PACKING, LayerCode.field(c.name(), "weight"),
              c.filters(), taps, field)
          .build();
      methods.add(Methods.versionedCopy(c.name(), pooledLock(c), field, field, Methods.FLOATS,
          "transposed into one array", refresh));
    }
    return methods;
  }

  /**
   * The workspace's lane images: each chain convolution's padded input and the chain's last result, for one group
   * (empty arrays with the Vector API kernels off).
   */
  static void addBuffers(NetworkPlan plan, TypeSpec.Builder type, MethodSpec.Builder constructor) {
    List<LayerPlan> chain = plan.laneChain();
    if (chain.isEmpty()) {
      return;
    }
    for (LayerPlan l : chain) {
      ConvModel c = (ConvModel) l.layer();
      type.addField(Methods.FLOATS, inputBuffer(c), Modifier.FINAL);
      constructor.addStatement("this.$L = new float[$L * $T.lanes()]", inputBuffer(c),
          c.input().channels() * c.sourceHeight() * c.sourceWidth(), VECTOR);
    }
    type.addField(Methods.FLOATS, outputBuffer(chain), Modifier.FINAL);
    constructor.addStatement("this.$L = new float[$L * $T.lanes()]", outputBuffer(chain), resultSize(chain), VECTOR);
    if (plan.laneChainPooled()) {
      for (LayerPlan l : chain) {
        ConvModel c = (ConvModel) l.layer();
        type.addField(Methods.FLOATS, pooledScratch(c), Modifier.FINAL);
        constructor.addStatement("this.$L = new float[$T.pooledScratchSize($L)]", pooledScratch(c), VECTOR,
            pooledGeometry(c));
      }
    }
    type.addField(FieldSpec.builder(TypeName.BOOLEAN, FLAG)
        .addJavadoc("Whether the last forward pass ran the leading convolutions in lanes (or on the pooled kernels), "
            + "so that backward must run it again as written first.\n")
        .build());
  }

  private static int resultSize(List<LayerPlan> chain) {
    LayerPlan last = chain.get(chain.size() - 1);
    return last.poolInKernel() != null ? last.poolInKernel().layer().output().size() : last.layer().output().size();
  }

  private static String resultBuffer(List<LayerPlan> chain) {
    LayerPlan last = chain.get(chain.size() - 1);
    return LayerCode.buffer(last.poolInKernel() != null ? last.poolInKernel().output() : last.output());
  }

  /**
   * {@code forwardInLanes(ws, input, laned)}: the chain for samples {@code 0..laned-1}, a group at a time; {@code
   * laned} is a multiple of the group size.
   */
  static MethodSpec method(NetworkPlan plan) {
    List<LayerPlan> chain = plan.laneChain();
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int group = $T.lanes()", VECTOR)
        .beginControlFlow("for (int n0 = 0; n0 < laned; n0 += group)");
    ConvModel first = (ConvModel) chain.get(0).layer();
    b.addStatement("$T.toLanes(input, n0, $L, $L, $L, $L, $L, ws.$L)", VECTOR, first.input().channels(),
        first.input().height(), first.input().width(), first.window().ph(), first.window().pw(), inputBuffer(first));
    for (int i = 0; i < chain.size(); i++) {
      LayerPlan l = chain.get(i);
      ConvModel c = (ConvModel) l.layer();
      Window w = c.window();
      String target;
      int padH = 0;
      int padW = 0;
      if (i + 1 < chain.size()) {
        ConvModel next = (ConvModel) chain.get(i + 1).layer();
        target = inputBuffer(next);
        padH = next.window().ph();
        padW = next.window().pw();
      } else {
        target = outputBuffer(chain);
      }
      b.addStatement("$T.convLanes(ws.$L, $L, $L, $L, this.$LWeight, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, ws.$L, "
              + "$L, $L)", VECTOR, inputBuffer(c), c.sourceHeight(), c.sourceWidth(), c.channelsPerGroup(), c.name(),
          c.bias() ? "this." + c.name() + "Bias" : "null", ConvCode.tapsField(c), c.filters(), c.groups(), w.sh(), w.sw(),
          c.output().height(), c.output().width(), l.activationInKernel(), l.poolInKernel() != null, target, padH,
          padW);
    }
    b.addStatement("$T.fromLanes(ws.$L, $L, $L, n0)", VECTOR, outputBuffer(chain), resultSize(chain),
        resultBuffer(chain));
    b.endControlFlow();
    return MethodSpec.methodBuilder("forwardInLanes")
        .addModifiers(Modifier.PRIVATE)
        .addJavadoc("Inference with the Vector API kernels: $L for samples {@code 0..laned-1}, a group of samples "
            + "in lanes at a time.\n", names(chain))
        .addParameter(NetworkGenerator.BUFFERS, "ws")
        .addParameter(Methods.FLOATS, "input")
        .addParameter(TypeName.INT, "laned")
        .addCode(b.build())
        .build();
  }

  /**
   * {@code forwardPooled(ws, input, first, batch)}: the chain for samples {@code first..batch-1}, one at a time on the
   * pooled kernels, each convolution's pooled result into the buffer its pool writes.
   */
  static MethodSpec pooledMethod(NetworkPlan plan) {
    List<LayerPlan> chain = plan.laneChain();
    CodeBlock.Builder b = CodeBlock.builder();
    for (LayerPlan l : chain) {
      ConvModel c = (ConvModel) l.layer();
      int pooledWidth = l.poolInKernel().layer().output().width();
      b.addStatement("float[] $LTransposed = $T.pooledReadsTransposed($L, $L) ? $L() : null", c.name(), VECTOR,
          c.filters(), pooledWidth, pooledWeight(c));
    }
    b.beginControlFlow("for (int n = first; n < batch; n++)");
    String source = "input";
    int sourceSize = chain.get(0).layer().input().size();
    for (LayerPlan l : chain) {
      ConvModel c = (ConvModel) l.layer();
      String target = LayerCode.buffer(l.poolInKernel().output());
      int targetSize = l.poolInKernel().layer().output().size();
      b.addStatement("$T.convPooled($L, n * $L, $L, this.$LWeight, $LTransposed, $L, $L, $L, ws.$L, $L, n * $L)",
          VECTOR, source, sourceSize, pooledGeometry(c), c.name(), c.name(),
          c.bias() ? "this." + c.name() + "Bias" : "null", pooledTaps(c), l.activationInKernel(), pooledScratch(c),
          target, targetSize);
      source = target;
      sourceSize = targetSize;
    }
    b.endControlFlow();
    return MethodSpec.methodBuilder("forwardPooled")
        .addModifiers(Modifier.PRIVATE)
        .addJavadoc("Inference with the Vector API kernels: $L for samples {@code first..batch-1}, one at a time "
            + "straight from the image (the samples that do not fill a group of lanes).\n", names(chain))
        .addParameter(NetworkGenerator.BUFFERS, "ws")
        .addParameter(Methods.FLOATS, "input")
        .addParameter(TypeName.INT, "first")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }

  private static String names(List<LayerPlan> chain) {
    StringBuilder s = new StringBuilder();
    for (LayerPlan l : chain) {
      s.append(s.length() == 0 ? "" : ", ").append(l.layer().name());
      if (l.poolInKernel() != null) {
        s.append(" with ").append(l.poolInKernel().layer().name());
      }
    }
    return s.toString();
  }

  /**
   * The head of {@code forwardLayers}: how many samples run in lanes (a multiple of the group size; none unless the
   * parameter {@code lanes} says so), and those samples' pass.
   */
  static CodeBlock head(NetworkPlan plan) {
    CodeBlock.Builder b = CodeBlock.builder()
        .add("// Whole groups of samples through $L in lanes (the Vector API kernels, at inference); the\n",
            names(plan.laneChain()));
    if (plan.laneChainPooled()) {
      b.add("// leftover samples one at a time on the pooled kernels, so that those layers' own kernels below run\n")
          .add("// no sample.\n");
    } else {
      b.add("// leftover samples through those layers' own kernels below.\n");
    }
    b.addStatement("int $L = lanes ? batch - batch % $T.lanes() : 0", IN_LANES, VECTOR)
        .beginControlFlow("if ($L > 0)", IN_LANES)
        .addStatement("forwardInLanes(ws, input, $L)", IN_LANES)
        .endControlFlow();
    if (plan.laneChainPooled()) {
      b.beginControlFlow("if (lanes && $L < batch)", IN_LANES)
          .addStatement("forwardPooled(ws, input, $L, batch)", IN_LANES)
          .addStatement("$L = batch", IN_LANES)
          .endControlFlow();
    }
    return b.build();
  }
}
