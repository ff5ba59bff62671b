package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.DropoutModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * Inverted dropout. In training mode each value's multiplier is drawn from the workspace's generator, one draw per
 * value in order, and kept in the workspace for backward: {@code 1 / (1 - p)} or 0 (Bernoulli), or
 * {@code 1 + sqrt(p / (1 - p)) * N(0, 1)} (Gaussian). In inference mode, and always at {@code p = 0}, it is a copy
 * and draws nothing.
 */
final class DropoutCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    DropoutModel d = (DropoutModel) plan.layer();
    return d.rate() == 0 ? List.of() : List.of(forwardMethod(d));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    DropoutModel d = (DropoutModel) plan.layer();
    int n = d.output().size();
    if (d.rate() == 0) {
      return CodeBlock.of("System.arraycopy($L, 0, $L, 0, batch * $L);\n", LayerCode.buffer(plan.input()),
          LayerCode.buffer(plan.output()), n);
    }
    return CodeBlock.builder()
        .beginControlFlow("if (training)")
        .addStatement("$L($L, $L, $L, ws.rng(), batch * $L)", Methods.pass(d.name(), "Forward"),
            LayerCode.buffer(plan.input()), LayerCode.buffer(plan.output()), LayerCode.buffer(plan.noise()), n)
        .nextControlFlow("else")
        .addStatement("System.arraycopy($L, 0, $L, 0, batch * $L)", LayerCode.buffer(plan.input()),
            LayerCode.buffer(plan.output()), n)
        .endControlFlow()
        .build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    DropoutModel d = (DropoutModel) plan.layer();
    int n = d.output().size();
    String g = LayerCode.buffer(plan.outputGrad());
    String gx = LayerCode.buffer(plan.inputGrad());
    if (d.rate() == 0) {
      return CodeBlock.of("System.arraycopy($L, 0, $L, 0, batch * $L);\n", g, gx, n);
    }
    return CodeBlock.builder()
        .beginControlFlow("if (ws.training)")
        .addStatement("$T.multiply($L, $L, $L, batch * $L)", Methods.ELEMENTWISE, g,
            LayerCode.buffer(plan.noise()), gx, n)
        .nextControlFlow("else")
        .addStatement("System.arraycopy($L, 0, $L, 0, batch * $L)", g, gx, n)
        .endControlFlow()
        .build();
  }

  private static MethodSpec forwardMethod(DropoutModel d) {
    double p = d.rate();
    CodeBlock.Builder b = CodeBlock.builder().beginControlFlow("for (int i = 0; i < n; i++)");
    if (d.gaussian()) {
      b.addStatement("float m = (float) (1 + $L * rng.nextGaussian())", Double.toString(Math.sqrt(p / (1 - p))));
    } else {
      b.addStatement("float m = rng.nextFloat() < $L ? 0f : $L", ActivationCode.floatLiteral(p),
          ActivationCode.floatLiteral(1 / (1 - p)));
    }
    b.addStatement("mask[i] = m").addStatement("y[i] = x[i] * m").endControlFlow();
    return Methods.kernel(Methods.pass(d.name(), "Forward"), "$L forward in training mode: $L.\n", d.name(),
            d.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.FLOATS, "mask")
        .addParameter(Methods.RNG, "rng")
        .addParameter(TypeName.INT, "n")
        .addCode(b.build())
        .build();
  }
}
