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
 * Inference that shares a sample's leading convolutions out among threads (the runtime's {@code ParallelInference}):
 * the overrides of {@code Model.splitConvolutions} and {@code splitForwardConvolutionPart}, and the guard that lets a
 * forward pass skip the convolutions the threads already ran.
 *
 * <p>The convolutions are the plan's {@link NetworkPlan#leadingConvolutions}: each writes only its own output and its
 * max pool's. With the generated loops a share is a range of the filters, whose output planes no other share writes,
 * and each filter's sums are the same products in the same order as in the whole layer's pass: the same bits. Each
 * thread copies all the windows itself, into its own workspace (a convolution's window copies cost far less than its
 * products: LeNet-5's second convolution at batch 1, 1.9 of 11.3 µs, scratch timer). With the Vector API kernels on,
 * a network offers none. LeNet-5's single sample runs on their pooled kernels ({@link LaneChainCode}), and sharing
 * those out (by filters, and by pooled rows where the filters fill the vector lanes) lost: 8.4-10.1 µs on two threads
 * against 6.9-7.2 on one (scratch harness, 50,000 calls a round, three JVMs, the host probably in its slow state),
 * the handoffs and the outputs moved between the threads outweighing halves of passes this short. Other networks'
 * convolutions run on the generated kernels with the Vector API's products; sharing those was not measured.
 */
final class ConvolutionSplitCode {
  private ConvolutionSplitCode() {}

  /**
   * Around the forward statements of leading convolution {@code index}: runs them unless the threads have (the
   * workspace's {@code convolutionsDone}).
   */
  static CodeBlock guarded(int index, CodeBlock statements) {
    return CodeBlock.builder()
        .beginControlFlow("if (ws.convolutionsDone() <= $L)", index)
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
        .addComment("None with the Vector API kernels on (see the generator's note).")
        .addStatement("return $T.ENABLED ? 0 : $L", Methods.VECTOR_BACKEND, convs.size())
        .build();
    CodeBlock.Builder calls = CodeBlock.builder().beginControlFlow("switch (index)");
    for (int i = 0; i < convs.size(); i++) {
      LayerPlan conv = convs.get(i);
      int filters = ((ConvModel) conv.layer()).filters();
      calls.add("case $L: {\n", i).indent()
          .add("// A range of the filters.\n")
          .addStatement("int from = share * $L / shares, to = (share + 1) * $L / shares", filters, filters)
          .add(ConvCode.splitForwardCall(conv))
          .addStatement("break")
          .unindent().add("}\n");
    }
    calls.add("default:\n").indent()
        .addStatement("super.splitForwardConvolutionPart(scratch, shared, input, batch, index, share, shares)")
        .unindent()
        .endControlFlow();
    MethodSpec part = MethodSpec.methodBuilder("splitForwardConvolutionPart")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PROTECTED)
        .addParameter(workspace, "scratch")
        .addParameter(workspace, "shared")
        .addParameter(Methods.FLOATS, "input")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.INT, "index")
        .addParameter(TypeName.INT, "share")
        .addParameter(TypeName.INT, "shares")
        .addStatement("$T own = ($T) scratch", buffers, buffers)
        .addStatement("$T ws = ($T) shared", buffers, buffers)
        .addCode(calls.build())
        .build();
    return List.of(count, part);
  }
}
