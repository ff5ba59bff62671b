package dev.kiln.processor.generate;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.DenseModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A fully connected layer, weight {@code [units, in]} row-major as PyTorch keeps it. Forward runs on a transposed
 * copy the model keeps current with the weight's version; backward goes output by output, adding the input rows of
 * the samples whose gradient for that output is not zero (after a ReLU most are zero) into the weight-gradient row
 * and the output's weight row into those samples' input-gradient rows.
 */
final class DenseCode implements LayerCode {
  private static final ClassName PACKING = ClassName.get("dev.kiln.runtime.kernel", "Packing");

  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    return List.of(packedWeightMethod(d), forwardMethod(d), backwardMethod(d));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    return CodeBlock.builder()
        .addStatement("$L($L, $L(), $L, $L, ws.$LSums, ws.$LNonzero, batch)", Methods.pass(d.name(), "Forward"),
            LayerCode.buffer(plan.input()), packedMethod(d), d.bias() ? LayerCode.field(d.name(), "bias") : "null",
            ActivationCode.producerTarget(plan), d.name(), d.name())
        .add(ActivationCode.fusedForward(plan))
        .build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    DenseModel d = (DenseModel) plan.layer();
    return CodeBlock.builder()
        .add(ActivationCode.fusedBackward(plan))
        .addStatement("$L($L, $L, $L, $L, grads[$L], $L, ws.$LInputRows, ws.$LInputGradRows, ws.$LSums, "
                + "ws.$LActive, batch, $L)",
            Methods.pass(d.name(), "Backward"), LayerCode.buffer(plan.input()), LayerCode.field(d.name(), "weight"),
            LayerCode.buffer(plan.outputGrad()), LayerCode.buffer(plan.inputGrad()), firstGradient,
            d.bias() ? "grads[" + (firstGradient + 1) + "]" : "null", d.name(), d.name(), d.name(), d.name(),
            LayerCode.inputGradientWanted(plan))
        .build();
  }

  @Override
  public List<FieldSpec> fields(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    return List.of(
        FieldSpec.builder(ArrayTypeName.of(Methods.FLOATS), packedField(d), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("$L's weight transposed, one row per input, for the forward pass.\n", d.name())
            .initializer("new float[$L][$L]", d.inFeatures(), d.units())
            .build(),
        FieldSpec.builder(TypeName.INT, packedField(d) + "Version", Modifier.PRIVATE, Modifier.VOLATILE)
            .addJavadoc("The weight's version the packed copy was made from.\n")
            .initializer("-1")
            .build());
  }

  private static String packedField(DenseModel d) {
    return d.name() + "Packed";
  }

  private static String packedMethod(DenseModel d) {
    return d.name() + "PackedWeight";
  }

  /**
   * The packed weight, repacked when the weight's version has moved (after a load, an optimizer step or
   * {@code markModified}). Threads that see a stale version serialise on the packed array; the rest read it freely.
   */
  private static MethodSpec packedWeightMethod(DenseModel d) {
    String field = packedField(d);
    return MethodSpec.methodBuilder(packedMethod(d))
        .addModifiers(Modifier.PRIVATE)
        .returns(ArrayTypeName.of(Methods.FLOATS))
        .addJavadoc("$L's weight transposed, current with the weight's values.\n", d.name())
        .addStatement("int version = $L.weight().version()", d.name())
        .beginControlFlow("if (version != $LVersion)", field)
        .beginControlFlow("synchronized ($L)", field)
        .beginControlFlow("if (version != $LVersion)", field)
        .addStatement("$T.transpose($L, $L, $L, $L)", PACKING, LayerCode.field(d.name(), "weight"), d.units(),
            d.inFeatures(), field)
        .addStatement("$LVersion = version", field)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .addStatement("return $L", field)
        .build();
  }

  /**
   * Forward on the transposed weight: for each input, its value times its weight row is added into an accumulator
   * row per sample. Rows are separate arrays indexed from 0, which is what lets C2 vectorise the innermost loop;
   * four samples share each load of a weight row. Zero inputs (common after a ReLU) are skipped. A lone sample
   * (batch 1, or the last of a batch) lists its non-zero inputs first and adds four of their weight rows per pass.
   */
  private static MethodSpec forwardMethod(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    String fill = d.bias() ? "System.arraycopy(b, 0, $L, 0, $L)" : "java.util.Arrays.fill($L, 0, $L, 0f)";
    CodeBlock.Builder body = CodeBlock.builder()
        .addStatement("float[] s0 = sums[0], s1 = sums[1], s2 = sums[2], s3 = sums[3]")
        .addStatement("int n = 0")
        .beginControlFlow("for (; n + 4 <= batch; n += 4)")
        .addStatement(fill, "s0", out)
        .addStatement(fill, "s1", out)
        .addStatement(fill, "s2", out)
        .addStatement(fill, "s3", out)
        .addStatement("int x0 = n * $L", in)
        .beginControlFlow("for (int i = 0; i < $L; i++)", in)
        .addStatement("float u0 = x[x0 + i], u1 = x[x0 + $L + i], u2 = x[x0 + $L + i], u3 = x[x0 + $L + i]", in,
            2 * in, 3 * in)
        .beginControlFlow("if (u0 == 0f && u1 == 0f && u2 == 0f && u3 == 0f)")
        .addStatement("continue")
        .endControlFlow()
        .addStatement("float[] row = wt[i]")
        .beginControlFlow("for (int o = 0; o < $L; o++)", out)
        .addStatement("float w = row[o]")
        .addStatement("s0[o] += u0 * w")
        .addStatement("s1[o] += u1 * w")
        .addStatement("s2[o] += u2 * w")
        .addStatement("s3[o] += u3 * w")
        .endControlFlow()
        .endControlFlow()
        .addStatement("System.arraycopy(s0, 0, y, n * $L, $L)", out, out)
        .addStatement("System.arraycopy(s1, 0, y, (n + 1) * $L, $L)", out, out)
        .addStatement("System.arraycopy(s2, 0, y, (n + 2) * $L, $L)", out, out)
        .addStatement("System.arraycopy(s3, 0, y, (n + 3) * $L, $L)", out, out)
        .endControlFlow()
        .beginControlFlow("for (; n < batch; n++)")
        .addStatement(fill, "s0", out)
        .addStatement("int x0 = n * $L", in)
        .add("// List the non-zero inputs on their bits, without a branch (whether an input is zero is\n")
        .add("// unpredictable), then add four weight rows per pass over the accumulator row.\n")
        .addStatement("int count = 0")
        .beginControlFlow("for (int i = 0; i < $L; i++)", in)
        .addStatement("nonzero[count] = i")
        .addStatement("count += $T.isNonZero(Float.floatToRawIntBits(x[x0 + i]))", ConvCode.FLOAT_BITS)
        .endControlFlow()
        .add(Methods.addListedRows("nonzero", "x[x0 + %s]", "wt[%s]", "s0", out))
        .addStatement("System.arraycopy(s0, 0, y, n * $L, $L)", out, out)
        .endControlFlow();
    return Methods.kernel(Methods.pass(d.name(), "Forward"), "$L forward: $L -> $L.\n", d.name(), d.input(),
            d.output())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "wt")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(Methods.INTS, "nonzero")
        .addParameter(TypeName.INT, "batch")
        .addCode(body.build())
        .build();
  }

  /**
   * Backward, output-major: for each output, its weight row is copied into a scratch row and the weight-gradient row
   * accumulates in another, both in L1 while every sample of the batch visits them; the batch's inputs and input
   * gradients live in per-sample rows (L2). Every array of the inner loops is indexed from 0, so C2 vectorises them.
   * Samples whose output gradient is zero (most of them, after a ReLU) are left out of a list made without branches,
   * and the listed samples' input rows are added four per pass.
   */
  private static MethodSpec backwardMethod(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    CodeBlock.Builder body = CodeBlock.builder()
        .addStatement("float[] acc = sums[0]")
        .addStatement("float[] wRow = sums[1]")
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("System.arraycopy(x, n * $L, xRows[n], 0, $L)", in, in)
        .beginControlFlow("if (inputGrad)")
        .addStatement("java.util.Arrays.fill(gxRows[n], 0f)")
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (int o = 0; o < $L; o++)", out)
        .addStatement("int wo = o * $L", in)
        .addStatement("java.util.Arrays.fill(acc, 0, $L, 0f)", in)
        .beginControlFlow("if (inputGrad)")
        .addStatement("System.arraycopy(w, wo, wRow, 0, $L)", in)
        .endControlFlow()
        .add("// The samples with a non-zero gradient for this output, listed without a branch.\n")
        .addStatement("int count = 0")
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("active[count] = n")
        .addStatement("count += $T.isNonZero(Float.floatToRawIntBits(g[n * $L + o]))", ConvCode.FLOAT_BITS, out)
        .endControlFlow();
    if (d.bias()) {
      body.addStatement("float sum = 0f")
          .beginControlFlow("for (int j = 0; j < count; j++)")
          .addStatement("sum += g[active[j] * $L + o]", out)
          .endControlFlow()
          .addStatement("gb[o] += sum");
    }
    body.add("// Four samples' input rows per pass over the weight-gradient row.\n")
        .add(Methods.addListedRows("active", "g[%s * " + out + " + o]", "xRows[%s]", "acc", in))
        .beginControlFlow("if (inputGrad)")
        .add(Methods.addRowToListed("active", "g[%s * " + out + " + o]", "wRow", "gxRows[%s]", in))
        .endControlFlow()
        .beginControlFlow("for (int i = 0; i < $L; i++)", in)
        .addStatement("gw[wo + i] += acc[i]")
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("if (inputGrad)")
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("System.arraycopy(gxRows[n], 0, gx, n * $L, $L)", in, in)
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(Methods.pass(d.name(), "Backward"),
            "$L backward: adds the weight and bias gradients, writes the input gradient if asked.\n", d.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "xRows")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "gxRows")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(Methods.INTS, "active")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "inputGrad")
        .addCode(body.build())
        .build();
  }
}
