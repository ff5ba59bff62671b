package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.PoolModel;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * Stochastic pooling (Zeiler and Fergus 2013). Within a window, value {@code a_i} has weight {@code max(a_i, 0)};
 * with {@code S1} the weights' sum and {@code S2} the sum of their squares:
 * <ul>
 *   <li>training: one value is picked with probability {@code weight / S1}, one draw from the workspace's generator
 *       per window (drawn whatever the data, so a seed alone fixes the draws); its input position is kept, and
 *       backward routes the gradient there, as a max pool does;
 *   <li>inference: the probability-weighted average {@code S2 / S1}, whose derivative for a positive {@code a_i} is
 *       {@code 2 a_i / S1 - S2 / S1^2}.
 * </ul>
 * A window with nothing positive outputs 0 and passes no gradient.
 */
final class StochasticPoolCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    PoolModel p = (PoolModel) plan.layer();
    return List.of(forwardMethod(p), backwardMethod(p));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    PoolModel p = (PoolModel) plan.layer();
    return CodeBlock.of("$L($L, $L, $L, ws.rng(), batch, training);\n", Methods.pass(p.name(), "Forward"),
        LayerCode.buffer(plan.input()), LayerCode.buffer(plan.output()), LayerCode.buffer(plan.argmax()));
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    PoolModel p = (PoolModel) plan.layer();
    return CodeBlock.of("$L($L, $L, $L, $L, batch, ws.training);\n", Methods.pass(p.name(), "Backward"),
        LayerCode.buffer(plan.input()), LayerCode.buffer(plan.outputGrad()), LayerCode.buffer(plan.inputGrad()),
        LayerCode.buffer(plan.argmax()));
  }

  /** Loops over samples, channels and output positions, with {@code at} the output index. */
  private static void openWindowLoops(CodeBlock.Builder b, PoolModel p) {
    Window w = p.window();
    b.beginControlFlow("for (int nc = 0; nc < batch * $L; nc++)", p.input().channels())
        .addStatement("int xo = nc * $L", p.input().height() * p.input().width())
        .addStatement("int yo = nc * $L", p.output().height() * p.output().width())
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", p.output().height())
        .addStatement("int h0 = oh * $L - $L", w.sh(), w.ph())
        .beginControlFlow("for (int ow = 0; ow < $L; ow++)", p.output().width())
        .addStatement("int w0 = ow * $L - $L", w.sw(), w.pw())
        .addStatement("int at = yo + oh * $L + ow", p.output().width());
  }

  private static void closeWindowLoops(CodeBlock.Builder b) {
    b.endControlFlow().endControlFlow().endControlFlow();
  }

  /** Opens the loops over the window's taps inside the image, with {@code v} the value at input index {@code xi}. */
  private static void openTaps(CodeBlock.Builder b, PoolModel p, String label) {
    Window w = p.window();
    b.beginControlFlow("$Lfor (int kh = 0; kh < $L; kh++)", label, w.kh())
        .addStatement("int ih = h0 + kh");
    if (w.ph() > 0) {
      b.beginControlFlow("if (ih < 0 || ih >= $L)", p.input().height()).addStatement("continue").endControlFlow();
    }
    b.beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("int iw = w0 + kw");
    if (w.pw() > 0) {
      b.beginControlFlow("if (iw < 0 || iw >= $L)", p.input().width()).addStatement("continue").endControlFlow();
    }
    b.addStatement("int xi = xo + ih * $L + iw", p.input().width())
        .addStatement("float v = x[xi]");
  }

  private static void closeTaps(CodeBlock.Builder b) {
    b.endControlFlow().endControlFlow();
  }

  /** Sums the positive values of the window and their squares into {@code s1} and {@code s2}. */
  private static void sums(CodeBlock.Builder b, PoolModel p) {
    b.addStatement("float s1 = 0f").addStatement("float s2 = 0f");
    openTaps(b, p, "");
    b.beginControlFlow("if (v > 0f)").addStatement("s1 += v").addStatement("s2 += v * v").endControlFlow();
    closeTaps(b);
  }

  private static MethodSpec forwardMethod(PoolModel p) {
    CodeBlock.Builder b = CodeBlock.builder();
    openWindowLoops(b, p);
    sums(b, p);
    b.beginControlFlow("if (training)")
        .addStatement("float u = rng.nextFloat() * s1")
        .addStatement("int chosen = -1")
        .addStatement("float value = 0f")
        .beginControlFlow("if (s1 > 0f)");
    openTaps(b, p, "taps: ");
    b.beginControlFlow("if (v > 0f)")
        .add("// The last positive value wins if rounding leaves u at or above 0 after the walk.\n")
        .addStatement("chosen = xi")
        .addStatement("value = v")
        .addStatement("u -= v")
        .beginControlFlow("if (u < 0f)")
        .addStatement("break taps")
        .endControlFlow()
        .endControlFlow();
    closeTaps(b);
    b.endControlFlow()
        .addStatement("y[at] = value")
        .addStatement("pick[at] = chosen")
        .nextControlFlow("else")
        .addStatement("y[at] = s1 > 0f ? s2 / s1 : 0f")
        .endControlFlow();
    closeWindowLoops(b);
    return Methods.kernel(Methods.pass(p.name(), "Forward"), "$L forward: $L -> $L, $L.\n", p.name(), p.input(),
            p.output(), p.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.INTS, "pick")
        .addParameter(Methods.RNG, "rng")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "training")
        .addCode(b.build())
        .build();
  }

  private static MethodSpec backwardMethod(PoolModel p) {
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", p.input().size())
        .beginControlFlow("if (training)")
        .beginControlFlow("for (int i = 0; i < batch * $L; i++)", p.output().size())
        .addStatement("int at = pick[i]")
        .beginControlFlow("if (at >= 0)")
        .addStatement("gx[at] += g[i]")
        .endControlFlow()
        .endControlFlow()
        .addStatement("return")
        .endControlFlow();
    openWindowLoops(b, p);
    sums(b, p);
    b.beginControlFlow("if (s1 > 0f)")
        .addStatement("float d = g[at]")
        .addStatement("float inv = 1f / s1")
        .addStatement("float q = s2 * inv * inv");
    openTaps(b, p, "");
    b.beginControlFlow("if (v > 0f)")
        .addStatement("gx[xi] += d * (2f * v * inv - q)")
        .endControlFlow();
    closeTaps(b);
    b.endControlFlow();
    closeWindowLoops(b);
    return Methods.kernel(Methods.pass(p.name(), "Backward"), "$L backward: writes the input gradient.\n", p.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.INTS, "pick")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "training")
        .addCode(b.build())
        .build();
  }
}
