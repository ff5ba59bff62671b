package dev.kiln.processor.generate;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.annotations.Activation;
import dev.kiln.processor.model.BatchNormModel;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.plan.NetworkPlan.Fold;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A batch norm folded into the convolution before it at inference ({@link
 * dev.kiln.processor.plan.NetworkPlan#folds}): the model keeps a copy of the convolution's weight and bias with the
 * batch norm's running statistics, scale and shift folded in, current with the six tensors' versions, and an
 * inference-mode forward pass runs the convolution's kernel on it straight into the batch norm's output (with the
 * batch norm's ReLU, if it has one, applied in the kernel). Training-mode passes run the two layers as written.
 *
 * <p>A folded pass keeps neither the convolution's output nor the batch norm's statistics, which their backward
 * passes read, and the layers after it saw values that differ from the unfolded ones in the last bits. So the
 * workspace remembers that it folded, and a backward pass after it first runs the whole forward pass again unfolded
 * (in inference mode, as before): gradients in inference mode are exactly those of the layers as written, at the
 * cost of one more forward pass, and inference pays nothing for them.
 */
final class BatchNormFoldCode {
  static final ClassName FOLDING = ClassName.get("dev.kiln.runtime.kernel", "BatchNormFolding");

  private BatchNormFoldCode() {}

  /** {@code conv1FoldedWeight}, {@code conv1FoldedBias}, and the versions they were made from. */
  static List<FieldSpec> fields(Fold fold) {
    ConvModel c = (ConvModel) fold.conv().layer();
    String norm = fold.norm().layer().name();
    return List.of(
        FieldSpec.builder(Methods.FLOATS, weightField(c), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("$L's weight with $L folded in, for inference.\n", c.name(), norm)
            .initializer("new float[$L]", c.filters() * ConvModel.rowLength(c))
            .build(),
        FieldSpec.builder(Methods.FLOATS, biasField(c), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("$L's bias with $L folded in, for inference; made with the folded weight.\n", c.name(), norm)
            .initializer("new float[$L]", c.filters())
            .build(),
        FieldSpec.builder(TypeName.LONG, keyField(c), Modifier.PRIVATE, Modifier.VOLATILE)
            .addJavadoc("The sum of the six tensors' versions the folded copies were made from; -1 before the first.\n")
            .initializer("-1L")
            .build());
  }

  private static String weightField(ConvModel c) {
    return c.name() + "FoldedWeight";
  }

  private static String biasField(ConvModel c) {
    return c.name() + "FoldedBias";
  }

  private static String keyField(ConvModel c) {
    return c.name() + "FoldedKey";
  }

  private static String refreshName(ConvModel c) {
    return c.name() + "Folded";
  }

  /**
   * {@code conv1Folded()}: refolds when any of the six tensors has moved (a load, an optimizer step, a training
   * pass's running statistics), then returns the folded weight; the folded bias is made with it. Every version only
   * grows, so their sum changes whenever one does. Threads that see a stale sum serialise on the folded weight; the
   * rest read the copies freely (the sum is volatile and written after them).
   */
  static MethodSpec refreshMethod(Fold fold) {
    ConvModel c = (ConvModel) fold.conv().layer();
    BatchNormModel b = (BatchNormModel) fold.norm().layer();
    String n = c.name();
    String m = b.name();
    CodeBlock key = CodeBlock.of("(long) $L.weight().version()$L + $L.weight().version() + $L.bias().version()"
            + " + $L.runningMean().version() + $L.runningVar().version()", n,
        c.bias() ? " + " + n + ".bias().version()" : "", m, m, m, m);
    return MethodSpec.methodBuilder(refreshName(c))
        .addModifiers(Modifier.PRIVATE)
        .returns(Methods.FLOATS)
        .addJavadoc("$L's weight with $L folded in, current with both layers' tensors; refreshes the folded bias "
            + "too.\n", n, m)
        .addStatement("long key = $L", key)
        .beginControlFlow("if (key != $L)", keyField(c))
        .beginControlFlow("synchronized ($L)", weightField(c))
        .beginControlFlow("if (key != $L)", keyField(c))
        .addStatement("$T.foldIntoConv($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", FOLDING, LayerCode.field(n, "weight"),
            c.bias() ? LayerCode.field(n, "bias") : "null", LayerCode.field(m, "weight"), LayerCode.field(m, "bias"),
            LayerCode.field(m, "running_mean"), LayerCode.field(m, "running_var"), Double.toString(b.eps()),
            c.filters(), ConvModel.rowLength(c), weightField(c), biasField(c))
        .addStatement("$L = key", keyField(c))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .addStatement("return $L", weightField(c))
        .build();
  }

  /**
   * The pair's forward statements: folded when the variable {@code fold} is set (inference), followed by {@code
   * afterFolded}; as written otherwise ({@code unfolded}).
   */
  static CodeBlock forward(Fold fold, CodeBlock unfolded, CodeBlock afterFolded) {
    ConvModel c = (ConvModel) fold.conv().layer();
    BatchNormModel b = (BatchNormModel) fold.norm().layer();
    boolean reluInKernel = b.activation().kind() == Activation.RELU;
    String target = reluInKernel ? LayerCode.buffer(fold.norm().output())
        : ActivationCode.producerTarget(fold.norm());
    CodeBlock.Builder code = CodeBlock.builder()
        .beginControlFlow("if (fold)")
        .add("// $L folded into $L: one convolution on the folded weight$L.\n", b.name(), c.name(),
            reluInKernel ? ", with " + b.name() + "'s ReLU in its kernel" : "")
        .add(ConvCode.forwardCall(fold.conv(), refreshName(c) + "()", biasField(c), target, reluInKernel, "0"));
    if (!reluInKernel) {
      code.add(ActivationCode.fusedForward(fold.norm()));
    }
    return code.add(afterFolded)
        .nextControlFlow("else")
        .add(unfolded)
        .endControlFlow()
        .build();
  }
}
