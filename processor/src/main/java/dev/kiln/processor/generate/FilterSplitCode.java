package dev.kiln.processor.generate;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.plan.LayerPlan;
import dev.kiln.processor.plan.NetworkPlan;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Inference that shares a sample's leading convolutions out among threads by filters (the runtime's {@code
 * ParallelInference}): the overrides of {@code Model.splitConvolutions}, {@code splitFiltersOf} and {@code
 * splitForwardFiltersPart}, and the guard that lets a forward pass skip the convolutions the threads already ran.
 *
 * <p>The convolutions are the plan's {@link NetworkPlan#leadingConvolutions}: each writes only its own output and its
 * max pool's, one plane per filter, so threads that take disjoint ranges of filters write disjoint planes, and each
 * filter's sums are the same products in the same order as in the whole layer's pass: the same bits. Each thread
 * copies the windows itself, into its own workspace (a convolution's window copies cost far less than its products:
 * LeNet-5's second convolution at batch 1, 1.9 of 11.3 µs, scratch timer). With the Vector API kernels on, a
 * network offers none: they run a single sample's leading convolutions on kernels of their own ({@link
 * LaneChainCode}), which the split does not share.
 */
final class FilterSplitCode {
  private FilterSplitCode() {}

  /** The workspace method that counts the leading convolutions another thread has already run. */
  private static final String DONE = "convolutionsDone";

  /**
   * Around the forward statements of leading convolution {@code index}: runs them unless the threads have (the
   * workspace's {@code convolutionsDone}).
   */
  static CodeBlock guarded(int index, CodeBlock statements) {
    return CodeBlock.builder()
        .beginControlFlow("if (ws.$L() <= $L)", DONE, index)
        .add(statements)
        .endControlFlow()
        .build();
  }

  static List<MethodSpec> methods(NetworkPlan plan, ClassName workspace, ClassName buffers) {
    List<LayerPlan> convs = plan.leadingConvolutions();
    MethodSpec count = MethodSpec.methodBuilder("splitConvolutions")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(TypeName.INT)
        .addComment("None with the Vector API kernels on, which run these convolutions on kernels of their own.")
        .addStatement("return $T.ENABLED ? 0 : $L", Methods.VECTOR_BACKEND, convs.size())
        .build();
    CodeBlock.Builder filters = CodeBlock.builder().beginControlFlow("switch (index)");
    CodeBlock.Builder calls = CodeBlock.builder().beginControlFlow("switch (index)");
    for (int i = 0; i < convs.size(); i++) {
      LayerPlan conv = convs.get(i);
      filters.addStatement("case $L: return $L", i, ((ConvModel) conv.layer()).filters());
      calls.add("case $L:\n", i).indent()
          .add(ConvCode.splitForwardCall(conv))
          .addStatement("break").unindent();
    }
    filters.addStatement("default: return super.splitFiltersOf(index)").endControlFlow();
    calls.add("default:\n").indent()
        .addStatement("super.splitForwardFiltersPart(scratch, shared, input, batch, index, from, to)")
        .unindent()
        .endControlFlow();
    MethodSpec filtersOf = MethodSpec.methodBuilder("splitFiltersOf")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PROTECTED)
        .returns(TypeName.INT)
        .addParameter(TypeName.INT, "index")
        .addCode(filters.build())
        .build();
    MethodSpec part = MethodSpec.methodBuilder("splitForwardFiltersPart")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PROTECTED)
        .addParameter(workspace, "scratch")
        .addParameter(workspace, "shared")
        .addParameter(Methods.FLOATS, "input")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.INT, "index")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addStatement("$T own = ($T) scratch", buffers, buffers)
        .addStatement("$T ws = ($T) shared", buffers, buffers)
        .addCode(calls.build())
        .build();
    return List.of(count, filtersOf, part);
  }
}
