package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A grouped 2-D convolution, computed directly: for each kernel tap, one pass over the output plane adds
 * {@code weight * input}. The range of output positions whose input falls inside the image is worked out once per
 * tap, so the innermost loop has no bounds checks and, at stride 1, walks both arrays contiguously (C2 vectorises
 * it). The output plane of one channel stays in L1 across all taps.
 */
final class ConvCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    ConvModel c = (ConvModel) plan.layer();
    return List.of(forwardMethod(c), backwardMethod(c));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    ConvModel c = (ConvModel) plan.layer();
    String target = plan.preActivation() != null ? plan.preActivation() : plan.output();
    CodeBlock.Builder code = CodeBlock.builder().addStatement("$L($L, $LWeight, $L, $L, batch)",
        Methods.pass(c.name(), "Forward"), LayerCode.buffer(plan.input()), c.name(),
        c.bias() ? c.name() + "Bias" : "null", LayerCode.buffer(target));
    if (plan.preActivation() != null) {
      code.add(ActivationCode.forward(c.activation(), LayerCode.buffer(plan.preActivation()),
          LayerCode.buffer(plan.output()), c.output()));
    }
    return code.build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    ConvModel c = (ConvModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder();
    String g = LayerCode.buffer(plan.outputGrad());
    if (plan.preActivation() != null) {
      code.add(ActivationCode.backward(c.activation(), LayerCode.buffer(plan.preActivation()),
          LayerCode.buffer(plan.output()), g, g, c.output()));
    }
    return code.addStatement("$L($L, $LWeight, $L, $L, grads[$L], $L, batch)", Methods.pass(c.name(), "Backward"),
        LayerCode.buffer(plan.input()), c.name(), g, LayerCode.buffer(plan.inputGrad()), firstGradient,
        c.bias() ? "grads[" + (firstGradient + 1) + "]" : "null").build();
  }

  /** Opens the loops shared by both passes, down to one kernel tap with its valid output range. */
  private static void openTapLoops(CodeBlock.Builder b, ConvModel c) {
    Window w = c.window();
    int ic = c.input().channels();
    int ihw = c.input().height() * c.input().width();
    int cpg = c.channelsPerGroup();
    b.beginControlFlow("for (int icg = 0; icg < $L; icg++)", cpg);
    if (c.groups() == 1) {
      b.addStatement("int xo = (n * $L + icg) * $L", ic, ihw);
    } else {
      b.addStatement("int xo = (n * $L + (oc / $L) * $L + icg) * $L", ic, c.filtersPerGroup(), cpg, ihw);
    }
    b.addStatement("int wo = (oc * $L + icg) * $L", cpg, w.kh() * w.kw())
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .add("// Output rows whose input row oh*$L - $L + kh*$L lies inside 0..$L.\n", w.sh(), w.ph(), w.dh(),
            c.input().height() - 1)
        .addStatement("int ohStart = Math.max(0, -Math.floorDiv(kh * $L - $L, $L))", w.dh(), w.ph(), w.sh())
        .addStatement("int ohEnd = Math.min($L, -Math.floorDiv(kh * $L - $L - $L, $L))", c.output().height(), w.dh(),
            w.ph(), c.input().height(), w.sh())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("int owStart = Math.max(0, -Math.floorDiv(kw * $L - $L, $L))", w.dw(), w.pw(), w.sw())
        .addStatement("int owEnd = Math.min($L, -Math.floorDiv(kw * $L - $L - $L, $L))", c.output().width(), w.dw(),
            w.pw(), c.input().width(), w.sw());
  }

  /** The input offset of output column 0 of output row {@code oh} for the current tap. */
  private static CodeBlock inputRow(ConvModel c) {
    Window w = c.window();
    return CodeBlock.of("xo + (oh * $L - $L + kh * $L) * $L - $L + kw * $L", w.sh(), w.ph(), w.dh(),
        c.input().width(), w.pw(), w.dw());
  }

  private static String column(ConvModel c) {
    return c.window().sw() == 1 ? "ow" : "ow * " + c.window().sw();
  }

  private static MethodSpec forwardMethod(ConvModel c) {
    Window w = c.window();
    int oc = c.filters();
    int ohw = c.output().height() * c.output().width();
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .beginControlFlow("for (int oc = 0; oc < $L; oc++)", oc)
        .addStatement("int yo = (n * $L + oc) * $L", oc, ohw)
        .addStatement("java.util.Arrays.fill(y, yo, yo + $L, $L)", ohw, c.bias() ? "b[oc]" : "0f");
    openTapLoops(b, c);
    b.addStatement("float wv = w[wo + kh * $L + kw]", w.kw())
        .beginControlFlow("for (int oh = ohStart; oh < ohEnd; oh++)")
        .addStatement("int yRow = yo + oh * $L", c.output().width())
        .addStatement("int xRow = $L", inputRow(c))
        .beginControlFlow("for (int ow = owStart; ow < owEnd; ow++)")
        .addStatement("y[yRow + ow] += wv * x[xRow + $L]", column(c))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow() // kw
        .endControlFlow() // kh
        .endControlFlow() // icg
        .endControlFlow() // oc
        .endControlFlow(); // n
    return Methods.kernel(Methods.pass(c.name(), "Forward"), "$L forward: $L -> $L, $L.\n", c.name(), c.input(),
            c.output(), c.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }

  private static MethodSpec backwardMethod(ConvModel c) {
    Window w = c.window();
    int oc = c.filters();
    int ohw = c.output().height() * c.output().width();
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", c.input().size())
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .beginControlFlow("for (int oc = 0; oc < $L; oc++)", oc)
        .addStatement("int go = (n * $L + oc) * $L", oc, ohw);
    if (c.bias()) {
      b.addStatement("float sum = 0f")
          .beginControlFlow("for (int p = 0; p < $L; p++)", ohw)
          .addStatement("sum += g[go + p]")
          .endControlFlow()
          .addStatement("gb[oc] += sum");
    }
    openTapLoops(b, c);
    b.addStatement("float wv = w[wo + kh * $L + kw]", w.kw())
        .addStatement("float acc = 0f")
        .beginControlFlow("for (int oh = ohStart; oh < ohEnd; oh++)")
        .addStatement("int gRow = go + oh * $L", c.output().width())
        .addStatement("int xRow = $L", inputRow(c))
        .beginControlFlow("for (int ow = owStart; ow < owEnd; ow++)")
        .addStatement("float d = g[gRow + ow]")
        .addStatement("acc += d * x[xRow + $L]", column(c))
        .addStatement("gx[xRow + $L] += wv * d", column(c))
        .endControlFlow()
        .endControlFlow()
        .addStatement("gw[wo + kh * $L + kw] += acc", w.kw())
        .endControlFlow() // kw
        .endControlFlow() // kh
        .endControlFlow() // icg
        .endControlFlow() // oc
        .endControlFlow(); // n
    return Methods.kernel(Methods.pass(c.name(), "Backward"),
            "$L backward: adds the weight and bias gradients, writes the input gradient.\n", c.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }
}
