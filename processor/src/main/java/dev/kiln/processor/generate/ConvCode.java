package dev.kiln.processor.generate;

import com.palantir.javapoet.ArrayTypeName;
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
    return List.of(columnsMethod(c), rowsMethod(c, false), rowsMethod(c, true), forwardMethod(c),
        backwardMethod(c));
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    ConvModel c = (ConvModel) plan.layer();
    CodeBlock.Builder code = CodeBlock.builder().addStatement("$L($L, $LWeight, $L, $L, ws.$LColumns, ws.$LSums, batch)",
        Methods.pass(c.name(), "Forward"), LayerCode.buffer(plan.input()), c.name(),
        c.bias() ? c.name() + "Bias" : "null", ActivationCode.producerTarget(plan), c.name(), c.name());
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

  /**
   * {@code conv1Columns} copies sample {@code n}, group {@code grp}'s input into im2col columns: row {@code k} of
   * {@code cols} (one kernel tap of one channel, PyTorch's weight order) holds that tap's input value for every
   * output position, zero where the window hangs over the padding.
   */
  private static MethodSpec columnsMethod(ConvModel c) {
    Window w = c.window();
    int ihw = c.input().height() * c.input().width();
    int ow = c.output().width();
    boolean padded = w.ph() > 0 || w.pw() > 0;
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int xo = (n * $L + grp * $L) * $L", c.input().channels(), c.channelsPerGroup(), ihw)
        .addStatement("int k = 0")
        .beginControlFlow("for (int ch = 0; ch < $L; ch++)", c.channelsPerGroup())
        .beginControlFlow("for (int kh = 0; kh < $L; kh++)", w.kh())
        .beginControlFlow("for (int kw = 0; kw < $L; kw++)", w.kw())
        .addStatement("float[] col = cols[k++]")
        .beginControlFlow("for (int oh = 0; oh < $L; oh++)", c.output().height())
        .addStatement("int ih = $L", Methods.linear("oh", w.sh(), "kh", w.dh(), -w.ph()))
        .addStatement("int po = oh * $L", ow);
    if (padded) {
      b.beginControlFlow("if (ih < 0 || ih >= $L)", c.input().height())
          .addStatement("java.util.Arrays.fill(col, po, po + $L, 0f)", ow)
          .addStatement("continue")
          .endControlFlow();
    }
    b.addStatement("int xr = xo + ch * $L + ih * $L", ihw, c.input().width());
    if (!padded && w.sw() == 1) {
      b.addStatement("System.arraycopy(x, xr + kw * $L, col, po, $L)", w.dw(), ow);
    } else {
      b.beginControlFlow("for (int ow = 0; ow < $L; ow++)", ow)
          .addStatement("int iw = $L", Methods.linear("ow", w.sw(), "kw", w.dw(), -w.pw()));
      if (padded) {
        b.addStatement("col[po + ow] = iw >= 0 && iw < $L ? x[xr + iw] : 0f", c.input().width());
      } else {
        b.addStatement("col[po + ow] = x[xr + iw]");
      }
      b.endControlFlow();
    }
    b.endControlFlow().endControlFlow().endControlFlow().endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), "Columns"),
            "$L: copies the input of sample n, group grp into im2col columns.\n", c.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(TypeName.INT, "n")
        .addParameter(TypeName.INT, "grp")
        .addCode(b.build())
        .build();
  }

  /**
   * Forward: for four filters at a time, each im2col column row is read once and added, times each filter's weight
   * for that tap, into four accumulator rows. Every array in the innermost loop is indexed from 0 by the same
   * counter, which is what lets C2 vectorise it (with arrays at unrelated offsets it cannot align them and stays
   * scalar).
   */
  private static MethodSpec forwardMethod(ConvModel c) {
    int k = ConvModel.rowLength(c);
    int positions = c.output().height() * c.output().width();
    int fpg = c.filtersPerGroup();
    int blocked = fpg - fpg % 4;
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("float[] s0 = sums[0], s1 = sums[1], s2 = sums[2], s3 = sums[3]")
        .beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int yo = n * $L", c.output().size())
        .beginControlFlow("for (int grp = 0; grp < $L; grp++)", c.groups())
        .addStatement("$L(x, cols, n, grp)", Methods.pass(c.name(), "Columns"));
    if (blocked > 0) {
      b.beginControlFlow("for (int f = grp * $L; f < grp * $L + $L; f += 4)", fpg, fpg, blocked)
          .addStatement("java.util.Arrays.fill(s0, $L)", bias(c, 0))
          .addStatement("java.util.Arrays.fill(s1, $L)", bias(c, 1))
          .addStatement("java.util.Arrays.fill(s2, $L)", bias(c, 2))
          .addStatement("java.util.Arrays.fill(s3, $L)", bias(c, 3))
          .beginControlFlow("for (int k = 0; k < $L; k++)", k)
          .addStatement("float[] col = cols[k]")
          .addStatement("float a0 = w[f * $L + k]", k)
          .addStatement("float a1 = w[(f + 1) * $L + k]", k)
          .addStatement("float a2 = w[(f + 2) * $L + k]", k)
          .addStatement("float a3 = w[(f + 3) * $L + k]", k)
          .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
          .addStatement("float v = col[p]")
          .addStatement("s0[p] += a0 * v")
          .addStatement("s1[p] += a1 * v")
          .addStatement("s2[p] += a2 * v")
          .addStatement("s3[p] += a3 * v")
          .endControlFlow()
          .endControlFlow()
          .addStatement("System.arraycopy(s0, 0, y, yo + f * $L, $L)", positions, positions)
          .addStatement("System.arraycopy(s1, 0, y, yo + (f + 1) * $L, $L)", positions, positions)
          .addStatement("System.arraycopy(s2, 0, y, yo + (f + 2) * $L, $L)", positions, positions)
          .addStatement("System.arraycopy(s3, 0, y, yo + (f + 3) * $L, $L)", positions, positions)
          .endControlFlow();
    }
    if (blocked < fpg) {
      b.beginControlFlow("for (int f = grp * $L + $L; f < grp * $L + $L; f++)", fpg, blocked, fpg, fpg)
          .addStatement("java.util.Arrays.fill(s0, $L)", c.bias() ? "b[f]" : "0f")
          .beginControlFlow("for (int k = 0; k < $L; k++)", k)
          .addStatement("float[] col = cols[k]")
          .addStatement("float a0 = w[f * $L + k]", k)
          .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
          .addStatement("s0[p] += a0 * col[p]")
          .endControlFlow()
          .endControlFlow()
          .addStatement("System.arraycopy(s0, 0, y, yo + f * $L, $L)", positions, positions)
          .endControlFlow();
    }
    b.endControlFlow().endControlFlow();
    return Methods.kernel(Methods.pass(c.name(), "Forward"), "$L forward: $L -> $L, $L.\n", c.name(), c.input(),
            c.output(), c.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "w")
        .addParameter(Methods.FLOATS, "b")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "cols")
        .addParameter(ArrayTypeName.of(Methods.FLOATS), "sums")
        .addParameter(TypeName.INT, "batch")
        .addCode(b.build())
        .build();
  }

  private static String bias(ConvModel c, int offset) {
    return c.bias() ? (offset == 0 ? "b[f]" : "b[f + " + offset + "]") : "0f";
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
