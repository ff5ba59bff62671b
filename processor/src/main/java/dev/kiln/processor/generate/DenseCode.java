package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.DenseModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A fully connected layer, weight {@code [units, in]} row-major as PyTorch keeps it. Forward is one dot product per
 * output, split over four accumulators so the adds do not wait on each other; backward walks each weight row once,
 * updating the weight gradient and the input gradient in the same contiguous pass.
 */
final class DenseCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    return List.of(forwardMethod(d), backwardMethod(d));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    DenseModel d = (DenseModel) plan.layer();
    String target = plan.preActivation() != null ? plan.preActivation() : plan.output();
    CodeBlock.Builder code = CodeBlock.builder().addStatement("$L($L, $LWeight, $L, $L, batch)",
        Methods.pass(d.name(), "Forward"), LayerCode.buffer(plan.input()), d.name(),
        d.bias() ? d.name() + "Bias" : "null", LayerCode.buffer(target));
    if (plan.preActivation() != null) {
      code.add(ActivationCode.forward(d.activation(), LayerCode.buffer(plan.preActivation()),
          LayerCode.buffer(plan.output()), d.output()));
    }
    return code.build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    DenseModel d = (DenseModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder();
    String g = LayerCode.buffer(plan.outputGrad());
    if (plan.preActivation() != null) {
      code.add(ActivationCode.backward(d.activation(), LayerCode.buffer(plan.preActivation()),
          LayerCode.buffer(plan.output()), g, g, d.output()));
    }
    return code.addStatement("$L($L, $LWeight, $L, $L, grads[$L], $L, batch)", Methods.pass(d.name(), "Backward"),
        LayerCode.buffer(plan.input()), d.name(), g, LayerCode.buffer(plan.inputGrad()), firstGradient,
        d.bias() ? "grads[" + (firstGradient + 1) + "]" : "null").build();
  }

  private static MethodSpec forwardMethod(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    int unrolled = in - in % 4;
    CodeBlock.Builder body = CodeBlock.builder()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int xo = n * $L", in)
        .addStatement("int yo = n * $L", out)
        .beginControlFlow("for (int o = 0; o < $L; o++)", out)
        .addStatement("int wo = o * $L", in)
        .addStatement("float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f")
        .addStatement("int i = 0");
    if (unrolled > 0) {
      body.beginControlFlow("for (; i < $L; i += 4)", unrolled)
          .addStatement("s0 += w[wo + i] * x[xo + i]")
          .addStatement("s1 += w[wo + i + 1] * x[xo + i + 1]")
          .addStatement("s2 += w[wo + i + 2] * x[xo + i + 2]")
          .addStatement("s3 += w[wo + i + 3] * x[xo + i + 3]")
          .endControlFlow();
    }
    if (unrolled < in) {
      body.beginControlFlow("for (; i < $L; i++)", in)
          .addStatement("s0 += w[wo + i] * x[xo + i]")
          .endControlFlow();
    }
    body.addStatement("y[yo + o] = (s0 + s1) + (s2 + s3)$L", d.bias() ? " + b[o]" : "")
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(Methods.pass(d.name(), "Forward"), "$L forward: $L -> $L.\n", d.name(), d.input(),
            d.output())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(TypeName.INT, "batch")
        .addCode(body.build())
        .build();
  }

  private static MethodSpec backwardMethod(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    CodeBlock.Builder body = CodeBlock.builder()
        .addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", in)
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int xo = n * $L", in)
        .beginControlFlow("for (int o = 0; o < $L; o++)", out)
        .addStatement("float d = g[n * $L + o]", out)
        .add("// After a ReLU most gradients are exactly zero: skip their rows.\n")
        .beginControlFlow("if (d == 0f)")
        .addStatement("continue")
        .endControlFlow();
    if (d.bias()) {
      body.addStatement("gb[o] += d");
    }
    body.addStatement("int wo = o * $L", in)
        .beginControlFlow("for (int i = 0; i < $L; i++)", in)
        .addStatement("gw[wo + i] += d * x[xo + i]")
        .addStatement("gx[xo + i] += d * w[wo + i]")
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(Methods.pass(d.name(), "Backward"),
            "$L backward: adds the weight and bias gradients, writes the input gradient.\n", d.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(TypeName.INT, "batch")
        .addCode(body.build())
        .build();
  }
}
