package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.NormModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * Layer, group and instance normalisation, one loop shape for all three: in NCHW, group {@code g} of sample
 * {@code n} is the contiguous run of {@code groupSize} values at {@code (n * groups + g) * groupSize}, normalised
 * with its own mean and biased variance (reduced in double), which the workspace keeps for backward. A layer norm
 * is one group with a scale and shift per value; the others scale and shift per channel. Training and inference
 * compute the same.
 */
final class NormCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    NormModel m = (NormModel) plan.layer();
    return List.of(forwardMethod(m), backwardMethod(m));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    NormModel m = (NormModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder().addStatement("$L($L, $L, $L, $L, $L, $L, batch)",
        Methods.pass(m.name(), "Forward"), LayerCode.buffer(plan.input()), ActivationCode.producerTarget(plan),
        LayerCode.field(m.name(), "weight"), LayerCode.field(m.name(), "bias"), LayerCode.buffer(plan.mean()),
        LayerCode.buffer(plan.invStd()));
    code.add(ActivationCode.fusedForward(plan));
    return code.build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    NormModel m = (NormModel) plan.layer();
    String g = LayerCode.buffer(plan.outputGrad());
    CodeBlock.Builder code = CodeBlock.builder();
    code.add(ActivationCode.fusedBackward(plan));
    return code.addStatement("$L($L, $L, $L, $L, $L, $L, grads[$L], grads[$L], batch)",
        Methods.pass(m.name(), "Backward"), LayerCode.buffer(plan.input()), g, LayerCode.buffer(plan.inputGrad()),
        LayerCode.field(m.name(), "weight"), LayerCode.buffer(plan.mean()), LayerCode.buffer(plan.invStd()),
        firstGradient, firstGradient + 1).build();
  }

  /** Channels in one group. */
  private static int channelsPerGroup(NormModel m) {
    return m.input().channels() / m.groups();
  }

  /** Positions of one channel. */
  private static int positions(NormModel m) {
    return m.input().height() * m.input().width();
  }

  /**
   * Opens the loops over one group's values with {@code i} the value's index and {@code a} the index of its scale
   * and shift: the value's place in the sample for a layer norm, its channel otherwise.
   */
  private static void openGroup(CodeBlock.Builder b, NormModel m) {
    if (m.elementwiseAffine()) {
      b.beginControlFlow("for (int a = 0; a < $L; a++)", m.groupSize())
          .addStatement("int i = o + a");
    } else {
      b.beginControlFlow("for (int cc = 0; cc < $L; cc++)", channelsPerGroup(m));
      if (m.groups() == 1) {
        b.addStatement("int a = cc");
      } else {
        b.addStatement("int a = (ng % $L) * $L + cc", m.groups(), channelsPerGroup(m));
      }
      b.addStatement("int co = o + cc * $L", positions(m))
          .beginControlFlow("for (int i = co; i < co + $L; i++)", positions(m));
    }
  }

  private static void closeGroup(CodeBlock.Builder b, NormModel m) {
    b.endControlFlow();
    if (!m.elementwiseAffine()) {
      b.endControlFlow();
    }
  }

  private static MethodSpec forwardMethod(NormModel m) {
    int size = m.groupSize();
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int ng = 0; ng < batch * $L; ng++)", m.groups())
        .addStatement("int o = ng * $L", size)
        .addStatement("double sum = 0")
        .beginControlFlow("for (int i = o; i < o + $L; i++)", size)
        .addStatement("sum += x[i]")
        .endControlFlow()
        .addStatement("double mu = sum / $L", size)
        .addStatement("double sq = 0")
        .beginControlFlow("for (int i = o; i < o + $L; i++)", size)
        .addStatement("double d = x[i] - mu")
        .addStatement("sq += d * d")
        .endControlFlow()
        .addStatement("float m = (float) mu")
        .addStatement("float is = (float) (1 / Math.sqrt(sq / $L + $L))", size, Double.toString(m.eps()))
        .addStatement("mean[ng] = m")
        .addStatement("invStd[ng] = is");
    openGroup(b, m);
    b.addStatement("y[i] = (x[i] - m) * is * gamma[a] + beta[a]");
    closeGroup(b, m);
    b.endControlFlow();
    return Methods.kernel(Methods.pass(m.name(), "Forward"), "$L forward: $L, $L.\n", m.name(), m.input(),
            m.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.FLOATS, "gamma")
        .addParameter(Methods.FLOATS, "beta")
        .addParameter(Methods.FLOATS, "mean")
        .addParameter(Methods.FLOATS, "invStd")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }

  /**
   * With {@code h = g * gamma} and {@code xhat = (x - mean) * invStd} over one group of {@code M} values,
   * {@code gx = invStd * (h - mean(h) - xhat * mean(h * xhat))}; gamma's gradient adds {@code g * xhat}, beta's
   * {@code g}.
   */
  private static MethodSpec backwardMethod(NormModel m) {
    int size = m.groupSize();
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int ng = 0; ng < batch * $L; ng++)", m.groups())
        .addStatement("int o = ng * $L", size)
        .addStatement("float m = mean[ng]")
        .addStatement("float is = invStd[ng]")
        .addStatement("double sh = 0")
        .addStatement("double shx = 0");
    openGroup(b, m);
    b.addStatement("float d = g[i]")
        .addStatement("float xh = (x[i] - m) * is")
        .addStatement("gGamma[a] += d * xh")
        .addStatement("gBeta[a] += d")
        .addStatement("float h = d * gamma[a]")
        .addStatement("sh += h")
        .addStatement("shx += h * xh");
    closeGroup(b, m);
    b.addStatement("float k1 = (float) (sh / $L)", size)
        .addStatement("float k2 = (float) (shx / $L)", size);
    openGroup(b, m);
    b.addStatement("float xh = (x[i] - m) * is")
        .addStatement("gx[i] = is * (g[i] * gamma[a] - k1 - xh * k2)");
    closeGroup(b, m);
    b.endControlFlow();
    return Methods.kernel(Methods.pass(m.name(), "Backward"),
            "$L backward: adds the scale's and shift's gradients, writes the input gradient.\n", m.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gamma")
        .addParameter(Methods.FLOATS, "mean")
        .addParameter(Methods.FLOATS, "invStd")
        .addParameter(Methods.FLOATS, "gGamma")
        .addParameter(Methods.FLOATS, "gBeta")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }
}
