package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.DenseModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A fully connected layer, weight {@code [units, in]} row-major as PyTorch keeps it. Forward computes four outputs
 * per pass over the input; backward walks each weight row once, updating the weight gradient and the input gradient
 * in the same contiguous pass, and skips the rows whose output gradient is zero (most of them, after a ReLU).
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
    return CodeBlock.builder()
        .addStatement("$L($L, $L, $L, $L, batch)", Methods.pass(d.name(), "Forward"), LayerCode.buffer(plan.input()),
            LayerCode.field(d.name(), "weight"), d.bias() ? LayerCode.field(d.name(), "bias") : "null",
            ActivationCode.producerTarget(plan))
        .add(ActivationCode.fusedForward(plan))
        .build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    DenseModel d = (DenseModel) plan.layer();
    return CodeBlock.builder()
        .add(ActivationCode.fusedBackward(plan))
        .addStatement("$L($L, $L, $L, $L, grads[$L], $L, batch, $L)", Methods.pass(d.name(), "Backward"),
            LayerCode.buffer(plan.input()), LayerCode.field(d.name(), "weight"), LayerCode.buffer(plan.outputGrad()),
            LayerCode.buffer(plan.inputGrad()), firstGradient,
            d.bias() ? "grads[" + (firstGradient + 1) + "]" : "null", LayerCode.inputGradientWanted(plan))
        .build();
  }

  /**
   * Forward in dot-product form on PyTorch's {@code [units, in]} layout. C2 keeps float reductions scalar (to keep
   * their order), so the speed comes from register blocking: four outputs at once, each with two accumulators (odd
   * and even inputs), eight independent multiply-add chains that share every load of {@code x}.
   */
  private static MethodSpec forwardMethod(DenseModel d) {
    int in = d.inFeatures();
    int out = d.units();
    int blocked = out - out % 4;
    int pairs = in - in % 2;
    CodeBlock.Builder body = CodeBlock.builder()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int xo = n * $L", in)
        .addStatement("int yo = n * $L", out);
    if (blocked > 0) {
      body.beginControlFlow("for (int o = 0; o < $L; o += 4)", blocked)
          .addStatement("int w0 = o * $L", in)
          .addStatement("int w1 = w0 + $L", in)
          .addStatement("int w2 = w1 + $L", in)
          .addStatement("int w3 = w2 + $L", in)
          .addStatement("float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f");
      if (pairs > 0) {
        body.beginControlFlow("for (int i = 0; i < $L; i += 2)", pairs)
            .addStatement("float u = x[xo + i]")
            .addStatement("float v = x[xo + i + 1]")
            .addStatement("a0 += w[w0 + i] * u")
            .addStatement("a1 += w[w1 + i] * u")
            .addStatement("a2 += w[w2 + i] * u")
            .addStatement("a3 += w[w3 + i] * u")
            .addStatement("c0 += w[w0 + i + 1] * v")
            .addStatement("c1 += w[w1 + i + 1] * v")
            .addStatement("c2 += w[w2 + i + 1] * v")
            .addStatement("c3 += w[w3 + i + 1] * v")
            .endControlFlow();
      }
      if (pairs < in) {
        body.addStatement("float u = x[xo + $L]", in - 1)
            .addStatement("a0 += w[w0 + $L] * u", in - 1)
            .addStatement("a1 += w[w1 + $L] * u", in - 1)
            .addStatement("a2 += w[w2 + $L] * u", in - 1)
            .addStatement("a3 += w[w3 + $L] * u", in - 1);
      }
      String[] bias = new String[4];
      for (int k = 0; k < 4; k++) {
        bias[k] = d.bias() ? " + b[o + " + k + "]" : "";
      }
      body.addStatement("y[yo + o] = (a0 + c0)$L", bias[0].replace("o + 0", "o"))
          .addStatement("y[yo + o + 1] = (a1 + c1)$L", bias[1])
          .addStatement("y[yo + o + 2] = (a2 + c2)$L", bias[2])
          .addStatement("y[yo + o + 3] = (a3 + c3)$L", bias[3])
          .endControlFlow();
    }
    if (blocked < out) {
      body.beginControlFlow("for (int o = $L; o < $L; o++)", blocked, out)
          .addStatement("int wo = o * $L", in)
          .addStatement("float a = 0f, c = 0f");
      if (pairs > 0) {
        body.beginControlFlow("for (int i = 0; i < $L; i += 2)", pairs)
            .addStatement("a += w[wo + i] * x[xo + i]")
            .addStatement("c += w[wo + i + 1] * x[xo + i + 1]")
            .endControlFlow();
      }
      if (pairs < in) {
        body.addStatement("a += w[wo + $L] * x[xo + $L]", in - 1, in - 1);
      }
      body.addStatement("y[yo + o] = (a + c)$L", d.bias() ? " + b[o]" : "")
          .endControlFlow();
    }
    body.endControlFlow();
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
    // Output-major: one weight row and its gradient row stay in L1 while every sample of the batch visits them;
    // the batch's inputs and input gradients stay in L2.
    CodeBlock.Builder body = CodeBlock.builder()
        .beginControlFlow("if (inputGrad)")
        .addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", in)
        .endControlFlow()
        .beginControlFlow("for (int o = 0; o < $L; o++)", out)
        .addStatement("int wo = o * $L", in)
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("float d = g[n * $L + o]", out)
        .add("// After a ReLU most gradients are exactly zero: skip their rows.\n")
        .beginControlFlow("if (d == 0f)")
        .addStatement("continue")
        .endControlFlow();
    if (d.bias()) {
      body.addStatement("gb[o] += d");
    }
    body.addStatement("int xo = n * $L", in)
        .beginControlFlow("if (inputGrad)")
        .beginControlFlow("for (int i = 0; i < $L; i++)", in)
        .addStatement("gw[wo + i] += d * x[xo + i]")
        .addStatement("gx[xo + i] += d * w[wo + i]")
        .endControlFlow()
        .nextControlFlow("else")
        .beginControlFlow("for (int i = 0; i < $L; i++)", in)
        .addStatement("gw[wo + i] += d * x[xo + i]")
        .endControlFlow()
        .endControlFlow()
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
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "inputGrad")
        .addCode(body.build())
        .build();
  }
}
