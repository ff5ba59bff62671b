package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.Window;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A grouped 2-D convolution, as a matrix product over im2row: for one sample and one group, every output position's
 * input window is copied into a row of {@code rows} ({@code positions x channelsPerGroup*kh*kw}, in the order of
 * PyTorch's weight), so each output value is a dot product of a contiguous row with a contiguous weight row. C2 keeps
 * float dot products scalar, so the product is register-blocked: four filters times two positions per pass, eight
 * independent accumulators sharing every load. Backward reuses the same rows for the weight gradient, builds the
 * rows' gradient, and scatters it back onto the input (row2im); rows whose output gradient is zero are skipped.
 */
final class ConvCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    ConvModel c = (ConvModel) plan.layer();
    return List.of(rowsMethod(c, false), rowsMethod(c, true), forwardMethod(c), backwardMethod(c));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    ConvModel c = (ConvModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder().addStatement("$L($L, $LWeight, $L, $L, ws.$LRows, batch)",
        Methods.pass(c.name(), "Forward"), LayerCode.buffer(plan.input()), c.name(),
        c.bias() ? c.name() + "Bias" : "null", ActivationCode.producerTarget(plan), c.name());
    code.add(ActivationCode.fusedForward(plan));
    return code.build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    ConvModel c = (ConvModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder();
    String g = LayerCode.buffer(plan.outputGrad());
    code.add(ActivationCode.fusedBackward(plan));
    return code.addStatement("$L($L, $LWeight, $L, $L, grads[$L], $L, ws.$LRows, ws.$LRowsGrad, batch, $L)",
        Methods.pass(c.name(), "Backward"), LayerCode.buffer(plan.input()), c.name(), g,
        LayerCode.buffer(plan.inputGrad()), firstGradient,
        c.bias() ? "grads[" + (firstGradient + 1) + "]" : "null", c.name(), c.name(),
        LayerCode.inputGradientWanted(plan)).build();
  }

  /**
   * {@code conv1Rows} copies sample {@code n}, group {@code g}'s windows into {@code rows} (zeros where a window hangs
   * over the padding); {@code conv1RowsBackward} does the reverse, adding each row value's gradient onto the input.
   */
  private static MethodSpec rowsMethod(ConvModel c, boolean backward) {
    Window w = c.window();
    int ihw = c.input().height() * c.input().width();
    boolean padded = w.ph() > 0 || w.pw() > 0;
    String x = backward ? "gx" : "x";
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int xo = (n * $L + grp * $L) * $L", c.input().channels(), c.channelsPerGroup(), ihw)
        .addStatement("int r = 0")
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", c.output().height())
        .beginControlFlow("for (int ow = 0; ow < $L; ow++)", c.output().width())
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .addStatement("int ih = $L", Methods.linear("oh", w.sh(), "kh", w.dh(), -w.ph()));
    if (padded) {
      b.beginControlFlow("if (ih < 0 || ih >= $L)", c.input().height());
      if (!backward) {
        b.addStatement("java.util.Arrays.fill(rows, r, r + $L, 0f)", w.kw());
      }
      b.addStatement("r += $L", w.kw()).addStatement("continue").endControlFlow();
    }
    b.addStatement("int xr = xo + ch * $L + ih * $L", ihw, c.input().width())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("int iw = $L", Methods.linear("ow", w.sw(), "kw", w.dw(), -w.pw()));
    if (padded) {
      if (backward) {
        b.beginControlFlow("if (iw >= 0 && iw < $L)", c.input().width())
            .addStatement("gx[xr + iw] += rows[r]")
            .endControlFlow()
            .addStatement("r++");
      } else {
        b.addStatement("rows[r++] = iw >= 0 && iw < $L ? x[xr + iw] : 0f", c.input().width());
      }
    } else {
      b.addStatement(backward ? "gx[xr + iw] += rows[r++]" : "rows[r++] = x[xr + iw]");
    }
    b.endControlFlow().endControlFlow().endControlFlow().endControlFlow().endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), backward ? "RowsBackward" : "Rows"),
            backward ? "$L: adds the gradient of the im2row rows of sample n, group grp onto the input gradient.\n"
                : "$L: copies the input windows of sample n, group grp into rows (im2row).\n", c.name())
        .addParameter(Methods.FLOATS, x)
        .addParameter(Methods.FLOATS, "rows")
        .addParameter(TypeName.INT, "n")
        .addParameter(TypeName.INT, "grp")
        .addCode(b.build())
        .build();
  }

  private static MethodSpec forwardMethod(ConvModel c) {
    int k = ConvModel.rowLength(c);
    int positions = c.output().height() * c.output().width();
    int fpg = c.filtersPerGroup();
    int blocked = fpg - fpg % 4;
    int pairs = positions - positions % 2;
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int yo = n * $L", c.output().size())
        .beginControlFlow("for (int grp = 0; grp < $L; grp++)", c.groups())
        .addStatement("$L(x, rows, n, grp)", Methods.pass(c.name(), "Rows"));
    if (blocked > 0) {
      b.add("// Four filters by two positions: eight accumulators share each load.\n")
          .beginControlFlow("for (int f = grp * $L; f < grp * $L + $L; f += 4)", fpg, fpg, blocked)
          .addStatement("int w0 = f * $L", k)
          .addStatement("int w1 = w0 + $L", k)
          .addStatement("int w2 = w1 + $L", k)
          .addStatement("int w3 = w2 + $L", k)
          .addStatement("float b0 = $L, b1 = $L, b2 = $L, b3 = $L", bias(c, 0), bias(c, 1), bias(c, 2), bias(c, 3))
          .addStatement("int y0 = yo + f * $L", positions)
          .addStatement("int y1 = y0 + $L", positions)
          .addStatement("int y2 = y1 + $L", positions)
          .addStatement("int y3 = y2 + $L", positions);
      if (pairs > 0) {
        b.beginControlFlow("for (int p = 0; p < $L; p += 2)", pairs)
            .addStatement("int r0 = p * $L", k)
            .addStatement("int r1 = r0 + $L", k)
            .addStatement("float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f")
            .beginControlFlow("for (int i = 0; i < $L; i++)", k)
            .addStatement("float u = rows[r0 + i]")
            .addStatement("float v = rows[r1 + i]")
            .addStatement("float q0 = w[w0 + i], q1 = w[w1 + i], q2 = w[w2 + i], q3 = w[w3 + i]")
            .addStatement("a0 += q0 * u")
            .addStatement("a1 += q1 * u")
            .addStatement("a2 += q2 * u")
            .addStatement("a3 += q3 * u")
            .addStatement("c0 += q0 * v")
            .addStatement("c1 += q1 * v")
            .addStatement("c2 += q2 * v")
            .addStatement("c3 += q3 * v")
            .endControlFlow()
            .addStatement("y[y0 + p] = a0 + b0")
            .addStatement("y[y1 + p] = a1 + b1")
            .addStatement("y[y2 + p] = a2 + b2")
            .addStatement("y[y3 + p] = a3 + b3")
            .addStatement("y[y0 + p + 1] = c0 + b0")
            .addStatement("y[y1 + p + 1] = c1 + b1")
            .addStatement("y[y2 + p + 1] = c2 + b2")
            .addStatement("y[y3 + p + 1] = c3 + b3")
            .endControlFlow();
      }
      if (pairs < positions) {
        b.addStatement("int r0 = $L", (positions - 1) * k)
            .addStatement("float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f")
            .beginControlFlow("for (int i = 0; i < $L; i++)", k)
            .addStatement("float u = rows[r0 + i]")
            .addStatement("a0 += w[w0 + i] * u")
            .addStatement("a1 += w[w1 + i] * u")
            .addStatement("a2 += w[w2 + i] * u")
            .addStatement("a3 += w[w3 + i] * u")
            .endControlFlow()
            .addStatement("y[y0 + $L] = a0 + b0", positions - 1)
            .addStatement("y[y1 + $L] = a1 + b1", positions - 1)
            .addStatement("y[y2 + $L] = a2 + b2", positions - 1)
            .addStatement("y[y3 + $L] = a3 + b3", positions - 1);
      }
      b.endControlFlow();
    }
    if (blocked < fpg) {
      b.beginControlFlow("for (int f = grp * $L + $L; f < grp * $L + $L; f++)", fpg, blocked, fpg, fpg)
          .addStatement("int wf = f * $L", k)
          .addStatement("float bf = $L", c.bias() ? "b[f]" : "0f")
          .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
          .addStatement("int r0 = p * $L", k)
          .addStatement("float a = 0f")
          .beginControlFlow("for (int i = 0; i < $L; i++)", k)
          .addStatement("a += w[wf + i] * rows[r0 + i]")
          .endControlFlow()
          .addStatement("y[yo + f * $L + p] = a + bf", positions)
          .endControlFlow()
          .endControlFlow();
    }
    b.endControlFlow().endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), "Forward"), "$L forward: $L -> $L, $L.\n", c.name(), c.input(),
            c.output(), c.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.FLOATS, "rows")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }

  private static String bias(ConvModel c, int offset) {
    return c.bias() ? "b[f + " + offset + "]" : "0f";
  }

  private static MethodSpec backwardMethod(ConvModel c) {
    int k = ConvModel.rowLength(c);
    int positions = c.output().height() * c.output().width();
    int fpg = c.filtersPerGroup();
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("if (inputGrad)")
        .addStatement("java.util.Arrays.fill(gx, 0, batch * $L, 0f)", c.input().size())
        .endControlFlow()
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int go = n * $L", c.output().size());
    if (c.bias()) {
      b.beginControlFlow("for (int f = 0; f < $L; f++)", c.filters())
          .addStatement("int gf = go + f * $L", positions)
          .addStatement("float sum = 0f")
          .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
          .addStatement("sum += g[gf + p]")
          .endControlFlow()
          .addStatement("gb[f] += sum")
          .endControlFlow();
    }
    b.beginControlFlow("for (int grp = 0; grp < $L; grp++)", c.groups())
        .addStatement("$L(x, rows, n, grp)", Methods.pass(c.name(), "Rows"))
        .beginControlFlow("if (inputGrad)")
        .addStatement("java.util.Arrays.fill(rowsGrad, 0f)")
        .endControlFlow()
        .beginControlFlow("for (int f = grp * $L; f < grp * $L + $L; f++)", fpg, fpg, fpg)
        .addStatement("int gf = go + f * $L", positions)
        .addStatement("int wf = f * $L", k)
        .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
        .addStatement("float d = g[gf + p]")
        .add("// After a ReLU most output gradients are exactly zero.\n")
        .beginControlFlow("if (d == 0f)")
        .addStatement("continue")
        .endControlFlow()
        .addStatement("int r = p * $L", k)
        .beginControlFlow("if (inputGrad)")
        .beginControlFlow("for (int i = 0; i < $L; i++)", k)
        .addStatement("gw[wf + i] += d * rows[r + i]")
        .addStatement("rowsGrad[r + i] += d * w[wf + i]")
        .endControlFlow()
        .nextControlFlow("else")
        .beginControlFlow("for (int i = 0; i < $L; i++)", k)
        .addStatement("gw[wf + i] += d * rows[r + i]")
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("if (inputGrad)")
        .addStatement("$L(gx, rowsGrad, n, grp)", Methods.pass(c.name(), "RowsBackward"))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), "Backward"),
            "$L backward: adds the weight and bias gradients, writes the input gradient if asked.\n", c.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gw")
        .addParameter(Methods.FLOATS, "gb")
        .addParameter(Methods.FLOATS, "rows")
        .addParameter(Methods.FLOATS, "rowsGrad")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "inputGrad")
        .addCode(b.build())
        .build();
  }
}
