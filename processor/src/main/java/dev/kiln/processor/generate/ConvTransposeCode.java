package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.ConvTransposeModel;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A grouped 2-D transposed convolution, computed as a scatter: input position {@code (ih, iw)} adds
 * {@code weight * x} to output position {@code (ih*s - p + kh*d, iw*s - p + kw*d)} for every kernel tap. Per tap,
 * the range of input positions whose target lies inside the output is worked out once, so the innermost loop has
 * no bounds checks; it walks the input contiguously and the output with the stride. Output channel by output
 * channel, so the plane being accumulated stays in L1. Weight layout is PyTorch's {@code [in, out / groups, kh, kw]}.
 */
final class ConvTransposeCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    ConvTransposeModel c = (ConvTransposeModel) plan.layer();
    return List.of(forwardMethod(c), backwardMethod(c));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    ConvTransposeModel c = (ConvTransposeModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder().addStatement("$L($L, $L, $L, $L, batch)",
        Methods.pass(c.name(), "Forward"), LayerCode.buffer(plan.input()), LayerCode.field(c.name(), "weight"),
        c.bias() ? LayerCode.field(c.name(), "bias") : "null", ActivationCode.producerTarget(plan));
    code.add(ActivationCode.fusedForward(plan));
    return code.build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    ConvTransposeModel c = (ConvTransposeModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder();
    String g = LayerCode.buffer(plan.outputGrad());
    code.add(ActivationCode.fusedBackward(plan));
    return code.addStatement("$L($L, $L, $L, $L, grads[$L], $L, batch)", Methods.pass(c.name(), "Backward"),
        LayerCode.buffer(plan.input()), LayerCode.field(c.name(), "weight"), g, LayerCode.buffer(plan.inputGrad()),
        firstGradient, c.bias() ? "grads[" + (firstGradient + 1) + "]" : "null").build();
  }

  /** Opens the loops shared by both passes, inside {@code n} and {@code oc}, down to one tap's input range. */
  private static void openTapLoops(CodeBlock.Builder b, ConvTransposeModel c) {
    Window w = c.window();
    int ic = c.input().channels();
    int ihw = c.input().height() * c.input().width();
    int cpg = c.channelsPerGroup();
    int fpg = c.filtersPerGroup();
    b.beginControlFlow("for (int icg = 0; icg < $L; icg++)", cpg);
    if (c.groups() == 1) {
      b.addStatement("int xo = (n * $L + icg) * $L", ic, ihw)
          .addStatement("int wo = (icg * $L + oc) * $L", fpg, w.kh() * w.kw());
    } else {
      b.addStatement("int in = (oc / $L) * $L + icg", fpg, cpg)
          .addStatement("int xo = (n * $L + in) * $L", ic, ihw)
          .addStatement("int wo = (in * $L + oc % $L) * $L", fpg, fpg, w.kh() * w.kw());
    }
    b.beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .add("// Input rows whose output row ih*$L - $L + kh*$L lies inside 0..$L.\n", w.sh(), w.ph(), w.dh(),
            c.output().height() - 1)
        .addStatement("int ihStart = Math.max(0, -Math.floorDiv(kh * $L - $L, $L))", w.dh(), w.ph(), w.sh())
        .addStatement("int ihEnd = Math.min($L, Math.floorDiv($L - kh * $L, $L) + 1)", c.input().height(),
            c.output().height() - 1 + w.ph(), w.dh(), w.sh())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("int iwStart = Math.max(0, -Math.floorDiv(kw * $L - $L, $L))", w.dw(), w.pw(), w.sw())
        .addStatement("int iwEnd = Math.min($L, Math.floorDiv($L - kw * $L, $L) + 1)", c.input().width(),
            c.output().width() - 1 + w.pw(), w.dw(), w.sw());
  }

  /** The output offset of input column 0 of input row {@code ih} for the current tap. */
  private static CodeBlock outputRow(ConvTransposeModel c, String base) {
    Window w = c.window();
    return CodeBlock.of("$L + (ih * $L - $L + kh * $L) * $L - $L + kw * $L", base, w.sh(), w.ph(), w.dh(),
        c.output().width(), w.pw(), w.dw());
  }

  private static String column(ConvTransposeModel c) {
    return c.window().sw() == 1 ? "iw" : "iw * " + c.window().sw();
  }

  private static void closeTapLoops(CodeBlock.Builder b) {
    b.endControlFlow() // kw
        .endControlFlow() // kh
        .endControlFlow(); // icg
  }

  private static MethodSpec forwardMethod(ConvTransposeModel c) {
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
        .beginControlFlow("for (int ih = ihStart; ih < ihEnd; ih++)")
        .addStatement("int xRow = xo + ih * $L", c.input().width())
        .addStatement("int yRow = $L", outputRow(c, "yo"))
        .beginControlFlow("for (int iw = iwStart; iw < iwEnd; iw++)")
        .addStatement("y[yRow + $L] += wv * x[xRow + iw]", column(c))
        .endControlFlow()
        .endControlFlow();
    closeTapLoops(b);
    b.endControlFlow() // oc
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

  private static MethodSpec backwardMethod(ConvTransposeModel c) {
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
        .beginControlFlow("for (int ih = ihStart; ih < ihEnd; ih++)")
        .addStatement("int xRow = xo + ih * $L", c.input().width())
        .addStatement("int gRow = $L", outputRow(c, "go"))
        .beginControlFlow("for (int iw = iwStart; iw < iwEnd; iw++)")
        .addStatement("float d = g[gRow + $L]", column(c))
        .addStatement("acc += d * x[xRow + iw]")
        .addStatement("gx[xRow + iw] += wv * d")
        .endControlFlow()
        .endControlFlow()
        .addStatement("gw[wo + kh * $L + kw] += acc", w.kw());
    closeTapLoops(b);
    b.endControlFlow() // oc
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
