package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.annotations.PoolMode;
import dev.kiln.processor.model.PoolModel;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * Max and average pooling (global pooling is the window covering the image). Max pooling records the winning
 * input position of every output in the workspace, so backward routes each gradient to it without searching again.
 * Average pooling divides by the full window, padding included (PyTorch's {@code count_include_pad = true}).
 */
final class PoolCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    PoolModel p = (PoolModel) plan.layer();
    // Outside training, a pool whose convolution writes its output (pooledByProducer) needs no kernel of its own;
    // nor in backward, one whose convolution takes its gradient (poolBackwardInKernel).
    List<MethodSpec> methods = new java.util.ArrayList<>(List.of(forwardMethod(p)));
    if (p.mode() == PoolMode.MAX && !plan.pooledByProducer()) {
      methods.add(inferenceMethod(p));
    }
    if (!plan.poolBackwardInKernel()) {
      methods.add(backwardMethod(p));
    }
    return methods;
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    PoolModel p = (PoolModel) plan.layer();
    if (p.mode() != PoolMode.MAX) {
      return CodeBlock.of("$L($L, $L, batch);\n", Methods.pass(p.name(), "Forward"), LayerCode.buffer(plan.input()),
          LayerCode.buffer(plan.output()));
    }
    if (plan.pooledByProducer()) {
      return CodeBlock.of(
          "// The convolution before this layer wrote its output and winners (see its forward kernel).\n");
    }
    CodeBlock.Builder b = CodeBlock.builder();
    b.beginControlFlow("if (training)")
        .addStatement("$L($L, $L, $L, batch)", Methods.pass(p.name(), "Forward"), LayerCode.buffer(plan.input()),
            LayerCode.buffer(plan.output()), LayerCode.buffer(plan.argmax()));
    b.nextControlFlow("else")
        .addStatement("$L($L, $L, batch)", Methods.pass(p.name(), "Inference"), LayerCode.buffer(plan.input()),
            LayerCode.buffer(plan.output()));
    return b.endControlFlow().build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    PoolModel p = (PoolModel) plan.layer();
    if (plan.poolBackwardInKernel()) {
      // The convolution before takes this layer's gradient in its own backward kernel, from the winners, which it
      // records first where the forward pass was an inference pass (ConvCode.backward).
      return CodeBlock.of("// $L's gradient: in the convolution's backward kernel, from the winners.\n", p.name());
    }
    return p.mode() == PoolMode.MAX
        ? CodeBlock.builder()
            .beginControlFlow("if (!ws.training)")
            .add("// Inference records no winners: find them now (the same maxima, written again).\n")
            .addStatement("$L($L, $L, $L, batch)", Methods.pass(p.name(), "Forward"), LayerCode.buffer(plan.input()),
                LayerCode.buffer(plan.output()), LayerCode.buffer(plan.argmax()))
            .endControlFlow()
            .addStatement("$L($L, $L, $L, batch)", Methods.pass(p.name(), "Backward"),
                LayerCode.buffer(plan.outputGrad()), LayerCode.buffer(plan.inputGrad()),
                LayerCode.buffer(plan.argmax()))
            .build()
        : CodeBlock.of("$L($L, $L, batch);\n", Methods.pass(p.name(), "Backward"),
            LayerCode.buffer(plan.outputGrad()), LayerCode.buffer(plan.inputGrad()));
  }

  /** Loops over samples, channels and output positions, with the window's top-left input corner in h0, w0. */
  private static void openWindowLoops(CodeBlock.Builder b, PoolModel p) {
    Window w = p.window();
    int c = p.input().channels();
    b.beginControlFlow("for (int nc = 0; nc < batch * $L; nc++)", c)
        .addStatement("int xo = nc * $L", p.input().height() * p.input().width())
        .addStatement("int yo = nc * $L", p.output().height() * p.output().width())
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", p.output().height())
        .addStatement("int h0 = $L", Methods.linear("oh", w.sh(), -w.ph()))
        .beginControlFlow("for (int ow = 0; ow < $L; ow++)", p.output().width())
        .addStatement("int w0 = $L", Methods.linear("ow", w.sw(), -w.pw()));
  }

  private static void openTaps(CodeBlock.Builder b, PoolModel p) {
    Window w = p.window();
    b.beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .addStatement("int ih = h0 + kh");
    if (w.ph() > 0) {
      b.beginControlFlow("if (ih < 0 || ih >= $L)", p.input().height()).addStatement("continue").endControlFlow();
    }
    b.beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("int iw = w0 + kw");
    if (w.pw() > 0) {
      b.beginControlFlow("if (iw < 0 || iw >= $L)", p.input().width()).addStatement("continue").endControlFlow();
    }
    b.addStatement("int xi = xo + ih * $L + iw", p.input().width());
  }

  /**
   * Max pooling in training over 2x2 windows moved by 2: the maximum as a tree of {@code Math.max}, then the winner
   * from three equality tests turned into 0 or 1 and combined arithmetically (no branch on which tap wins), measured
   * 1.7 times faster than the general kernel's tap-by-tap search. PyTorch's rule is kept: among equal values the
   * first wins; a NaN maximum (rare, so its branch predicts well) goes to the last NaN.
   */
  private static CodeBlock twoByTwoMaxBody(PoolModel p) {
    return twoByTwoLoops(p, CodeBlock.builder()
        .add(twoByTwoWinner("x", p.input().width()))
        .addStatement("y[yr + ow] = best")
        .addStatement("arg[yr + ow] = at")
        .build());
  }

  /**
   * Declares {@code best}, the maximum of the 2x2 window whose top-left tap is {@code array[c0]} in rows {@code
   * width} long, and {@code at}, the winner's index in {@code array}, by the rule of {@link #twoByTwoMaxBody}. Shared
   * with the convolution kernels that pool their own output in training, so both record the same winners.
   */
  static CodeBlock twoByTwoWinner(String array, int width) {
    return twoByTwoWinnerOf(array + "[c0]", array + "[c0 + 1]", array + "[c1]", array + "[c1 + 1]", width);
  }

  /**
   * {@link #twoByTwoWinner} with the window's four values given as expressions (top-left, top-right, bottom-left,
   * bottom-right), which may read another layout than the window's own; {@code at} is still a position from {@code
   * c0} in rows of {@code width}.
   */
  static CodeBlock twoByTwoWinnerOf(String topLeft, String topRight, String bottomLeft, String bottomRight,
      int width) {
    return CodeBlock.builder()
        .addStatement("int c1 = c0 + $L", width)
        .addStatement("float v0 = $L, v1 = $L, v2 = $L, v3 = $L", topLeft, topRight, bottomLeft, bottomRight)
        .addStatement("float best = Math.max(Math.max(v0, v1), Math.max(v2, v3))")
        .addStatement("int at")
        .beginControlFlow("if (best != best)")
        .addStatement("at = v3 != v3 ? c1 + 1 : v2 != v2 ? c1 : v1 != v1 ? c0 + 1 : c0")
        .nextControlFlow("else")
        .addStatement("int e0 = v0 == best ? 1 : 0, e1 = v1 == best ? 1 : 0, e2 = v2 == best ? 1 : 0")
        .add("// The first tap equal to the maximum: v0 at c0, else v1 at c0 + 1, else v2 at c1, else v3.\n")
        .addStatement("at = c0 + (1 - e0) * (e1 + (1 - e1) * ($L - e2))", width + 1)
        .endControlFlow()
        .build();
  }

  /**
   * The loops over the 2x2 windows moved by 2 of every sample and channel, around {@code body}, which sees {@code
   * c0} (the window's top-left tap in {@code x}) and {@code yr + ow} (its output in {@code y}).
   */
  private static CodeBlock twoByTwoLoops(PoolModel p, CodeBlock body) {
    int iw = p.input().width();
    int ow = p.output().width();
    return CodeBlock.builder()
        .beginControlFlow("for (int nc = 0; nc < batch * $L; nc++)", p.input().channels())
        .addStatement("int xo = nc * $L", p.input().height() * iw)
        .addStatement("int yo = nc * $L", p.output().height() * ow)
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", p.output().height())
        .addStatement("int r0 = xo + oh * $L", 2 * iw)
        .addStatement("int yr = yo + oh * $L", ow)
        .beginControlFlow("for (int ow = 0; ow < $L; ow++)", ow)
        .addStatement("int c0 = r0 + 2 * ow")
        .add(body)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  private static MethodSpec forwardMethod(PoolModel p) {
    Window w = p.window();
    boolean max = p.mode() == PoolMode.MAX;
    if (max && w.isPlainTwoByTwo()) {
      return Methods.kernel(Methods.pass(p.name(), "Forward"), "$L forward: $L -> $L, $L.\n", p.name(), p.input(),
              p.output(), p.describe())
          .addParameter(Methods.FLOATS, "x")
          .addParameter(Methods.FLOATS, "y")
          .addParameter(Methods.INTS, "arg")
          .addParameter(TypeName.INT, "batch")
          .addCode(twoByTwoMaxBody(p))
          .build();
    }
    CodeBlock.Builder b = CodeBlock.builder();
    openWindowLoops(b, p);
    boolean padded = w.ph() > 0 || w.pw() > 0;
    if (max && padded) {
      b.addStatement("float best = Float.NEGATIVE_INFINITY").addStatement("int at = -1");
    } else if (max) {
      // Without padding the window's first tap is always inside: start from it.
      b.addStatement("int at = xo + h0 * $L + w0", p.input().width()).addStatement("float best = x[at]");
    } else {
      b.addStatement("float sum = 0f");
    }
    openTaps(b, p);
    if (max && padded) {
      b.addStatement("float v = x[xi]")
          .add("// NaN wins, so it propagates as in PyTorch.\n")
          .beginControlFlow("if (v > best || v != v || at < 0)")
          .addStatement("best = v")
          .addStatement("at = xi")
          .endControlFlow();
    } else if (max) {
      // Which tap wins is data: written as "if (v > best || v != v)" it is a branch that mispredicts on about
      // half the taps. The maximum comes from Math.max instead (branch-free, and it propagates NaN), and the place
      // moves when the maximum changed (equal values keep the first place) or when v is NaN (the last NaN wins):
      // PyTorch's rule, measured about three times faster.
      b.addStatement("float v = x[xi]")
          .addStatement("float larger = Math.max(best, v)")
          .addStatement("at = (larger != best & best == best) | v != v ? xi : at")
          .addStatement("best = larger");
    } else {
      b.addStatement("sum += x[xi]");
    }
    b.endControlFlow().endControlFlow();
    if (max) {
      b.addStatement("y[yo + oh * $L + ow] = best", p.output().width())
          .addStatement("arg[yo + oh * $L + ow] = at", p.output().width());
    } else {
      b.addStatement("y[yo + oh * $L + ow] = sum * $L", p.output().width(),
          ActivationCode.floatLiteral(1.0 / (w.kh() * w.kw())));
    }
    b.endControlFlow().endControlFlow().endControlFlow();
    MethodSpec.Builder m = Methods.kernel(Methods.pass(p.name(), "Forward"), "$L forward: $L -> $L, $L.\n",
            p.name(), p.input(), p.output(), p.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "y");
    if (max) {
      m.addParameter(Methods.INTS, "arg");
    }
    return m.addParameter(TypeName.INT, "batch").addCode(b.build()).build();
  }

  /**
   * Max pooling outside training: no winning positions to record, so the maximum is taken with {@code Math.max},
   * which C2 compiles without branches (the branches of the recording search mispredict on about half the taps).
   * {@code Math.max} propagates NaN, as PyTorch does.
   */
  private static MethodSpec inferenceMethod(PoolModel p) {
    Window w = p.window();
    if (w.isPlainTwoByTwo()) {
      // 2x2 moved by 2: the maximum as a tree of three Math.max (two levels deep instead of a chain of four).
      return inferenceKernel(p, twoByTwoLoops(p, CodeBlock.of("y[yr + ow] = $L;\n",
          twoByTwoMax("x", p.input().width()))));
    }
    CodeBlock.Builder b = CodeBlock.builder();
    openWindowLoops(b, p);
    if (w.ph() > 0 || w.pw() > 0) {
      b.addStatement("float best = Float.NEGATIVE_INFINITY");
    } else {
      b.addStatement("float best = x[xo + h0 * $L + w0]", p.input().width());
    }
    openTaps(b, p);
    b.addStatement("best = Math.max(best, x[xi])")
        .endControlFlow()
        .endControlFlow()
        .addStatement("y[yo + oh * $L + ow] = best", p.output().width())
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return inferenceKernel(p, b.build());
  }

  /**
   * The maximum of the 2x2 window whose top-left tap is {@code array[c0]} in rows {@code width} long, as a tree of
   * three {@code Math.max} (two levels deep instead of a chain of four; NaN propagates). Shared with the convolution
   * kernels that pool their own output at inference, so both give the same bits.
   */
  static CodeBlock twoByTwoMax(String array, int width) {
    return CodeBlock.of("Math.max(Math.max($L[c0], $L[c0 + 1]), Math.max($L[c0 + $L], $L[c0 + $L]))", array, array,
        array, width, array, width + 1);
  }

  /** {@code pool1Inference(x, y, batch)} with {@code body}. */
  private static MethodSpec inferenceKernel(PoolModel p, CodeBlock body) {
    return Methods.kernel(Methods.pass(p.name(), "Inference"), "$L forward outside training: $L -> $L, $L.\n",
            p.name(), p.input(), p.output(), p.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(TypeName.INT, "batch")
        .addCode(body)
        .build();
  }

  /**
   * A max pool's backward: the batch's input gradient {@code target} zeroed, then each output's gradient (from
   * {@code gradient}) added at its winner ({@code arg}, an index into the input). Also what a convolution's Vector API
   * backward runs when the pool's backward is folded into the convolution's kernel ({@code ConvCode}).
   */
  static CodeBlock maxGradientToWinners(PoolModel p, String target, String gradient) {
    return CodeBlock.builder()
        .addStatement("java.util.Arrays.fill($L, 0, batch * $L, 0f)", target, p.input().size())
        .beginControlFlow("for (int i = 0; i < batch * $L; i++)", p.output().size())
        .addStatement("$L[arg[i]] += $L[i]", target, gradient)
        .endControlFlow()
        .build();
  }

  private static MethodSpec backwardMethod(PoolModel p) {
    Window w = p.window();
    boolean max = p.mode() == PoolMode.MAX;
    CodeBlock.Builder b = CodeBlock.builder();
    if (max) {
      b.add(maxGradientToWinners(p, "gx", "g"));
    } else {
      b.addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", p.input().size());
      openWindowLoops(b, p);
      b.addStatement("float d = g[yo + oh * $L + ow] * $L", p.output().width(),
          ActivationCode.floatLiteral(1.0 / (w.kh() * w.kw())));
      openTaps(b, p);
      b.addStatement("gx[xi] += d");
      b.endControlFlow().endControlFlow();
      b.endControlFlow().endControlFlow().endControlFlow();
    }
    MethodSpec.Builder m = Methods.kernel(Methods.pass(p.name(), "Backward"),
            "$L backward: writes the input gradient.\n", p.name())
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx");
    if (max) {
      m.addParameter(Methods.INTS, "arg");
    }
    return m.addParameter(TypeName.INT, "batch").addCode(b.build()).build();
  }
}
