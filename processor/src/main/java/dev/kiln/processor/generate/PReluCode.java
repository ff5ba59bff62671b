package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.PReluModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A parametric ReLU: {@code x > 0 ? x : a[c] * x} with a learned slope per channel (per feature of a vector), or
 * one shared slope. The slope's gradient is {@code sum(g * x)} over the channel's non-positive inputs.
 */
final class PReluCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    PReluModel p = (PReluModel) plan.layer();
    return List.of(forwardMethod(p), backwardMethod(p));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    PReluModel p = (PReluModel) plan.layer();
    return CodeBlock.of("$L($L, $L, $L, batch);\n", Methods.pass(p.name(), "Forward"),
        LayerCode.buffer(plan.input()), LayerCode.field(p.name(), "weight"), LayerCode.buffer(plan.output()));
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    PReluModel p = (PReluModel) plan.layer();
    return CodeBlock.of("$L($L, $L, $L, $L, grads[$L], batch);\n", Methods.pass(p.name(), "Backward"),
        LayerCode.buffer(plan.input()), LayerCode.field(p.name(), "weight"), LayerCode.buffer(plan.outputGrad()),
        LayerCode.buffer(plan.inputGrad()), firstGradient);
  }

  private static int positions(PReluModel p) {
    return p.input().height() * p.input().width();
  }

  /** Opens the loops over samples and channels, with the channel's slope index {@code s} and first value {@code o}. */
  private static void openChannels(CodeBlock.Builder b, PReluModel p) {
    int c = p.input().channels();
    b.beginControlFlow("for (int nc = 0; nc < batch * $L; nc++)", c)
        .addStatement("int s = $L", p.shared() ? "0" : "nc % " + c)
        .addStatement("int o = nc * $L", positions(p));
  }

  private static MethodSpec forwardMethod(PReluModel p) {
    CodeBlock.Builder b = CodeBlock.builder();
    openChannels(b, p);
    b.addStatement("float a = w[s]")
        .beginControlFlow("for (int i = o; i < o + $L; i++)", positions(p))
        .addStatement("float v = x[i]")
        .addStatement("y[i] = v > 0f ? v : a * v")
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(Methods.pass(p.name(), "Forward"), "$L forward: $L, $L.\n", p.name(), p.input(),
            p.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }

  private static MethodSpec backwardMethod(PReluModel p) {
    CodeBlock.Builder b = CodeBlock.builder();
    openChannels(b, p);
    b.addStatement("float a = w[s]")
        .addStatement("float acc = 0f")
        .beginControlFlow("for (int i = o; i < o + $L; i++)", positions(p))
        .addStatement("float v = x[i]")
        .addStatement("float d = g[i]")
        .beginControlFlow("if (v > 0f)")
        .addStatement("gx[i] = d")
        .nextControlFlow("else")
        .addStatement("gx[i] = a * d")
        .addStatement("acc += v * d")
        .endControlFlow()
        .endControlFlow()
        .addStatement("gw[s] += acc")
        .endControlFlow();
    return Methods.kernel(Methods.pass(p.name(), "Backward"),
            "$L backward: adds the slopes' gradient, writes the input gradient.\n", p.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }
}
