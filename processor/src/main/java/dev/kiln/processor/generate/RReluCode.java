package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.RReluModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A randomized leaky ReLU. Forward keeps each value's multiplier in the workspace (1 for a positive input, the
 * slope otherwise), so backward is {@code g * multiplier} in either mode. In training mode every value draws a slope
 * uniformly from {@code [lower, upper]}, positive or not, so the draws do not depend on the data and a seed alone
 * fixes them; in inference mode the slope is {@code (lower + upper) / 2}.
 */
final class RReluCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    return List.of(forwardMethod((RReluModel) plan.layer()));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    RReluModel r = (RReluModel) plan.layer();
    return CodeBlock.of("$L($L, $L, $L, ws.rng(), batch * $L, training);\n", Methods.pass(r.name(), "Forward"),
        LayerCode.buffer(plan.input()), LayerCode.buffer(plan.output()), LayerCode.buffer(plan.noise()),
        r.output().size());
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    return CodeBlock.of("$T.multiply($L, $L, $L, batch * $L);\n", Methods.ELEMENTWISE,
        LayerCode.buffer(plan.outputGrad()), LayerCode.buffer(plan.noise()), LayerCode.buffer(plan.inputGrad()),
        plan.layer().output().size());
  }

  private static MethodSpec forwardMethod(RReluModel r) {
    CodeBlock b = CodeBlock.builder()
        .beginControlFlow("if (training)")
        .beginControlFlow("for (int i = 0; i < n; i++)")
        .addStatement("float a = $L + $L * rng.nextFloat()", ActivationCode.floatLiteral(r.lower()),
            ActivationCode.floatLiteral(r.upper() - r.lower()))
        .addStatement("float v = x[i]")
        .addStatement("float m = v > 0f ? 1f : a")
        .addStatement("slope[i] = m")
        .addStatement("y[i] = v * m")
        .endControlFlow()
        .nextControlFlow("else")
        .beginControlFlow("for (int i = 0; i < n; i++)")
        .addStatement("float v = x[i]")
        .addStatement("float m = v > 0f ? 1f : $L", ActivationCode.floatLiteral((r.lower() + r.upper()) / 2))
        .addStatement("slope[i] = m")
        .addStatement("y[i] = v * m")
        .endControlFlow()
        .endControlFlow()
        .build();
    return Methods.kernel(Methods.pass(r.name(), "Forward"), "$L forward: $L.\n", r.name(), r.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.FLOATS, "slope")
        .addParameter(Methods.RNG, "rng")
        .addParameter(TypeName.INT, "n")
        .addParameter(TypeName.BOOLEAN, "training")
        .addCode(b)
        .build();
  }
}
