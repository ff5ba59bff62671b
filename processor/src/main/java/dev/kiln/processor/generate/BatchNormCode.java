package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.kiln.processor.model.BatchNormModel;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * Batch normalisation per channel (per feature of a vector), NCHW: channel {@code c} of sample {@code n} is the
 * contiguous run of {@code positions} values at {@code (n * C + c) * positions}. Statistics are reduced in double.
 *
 * <p>Training mode normalises with the batch's mean and biased variance, keeps both in the workspace for backward,
 * and updates the model's running statistics (the unbiased variance, as PyTorch) under the running mean's monitor,
 * so concurrent training passes never interleave one update. Inference mode copies the running statistics into the
 * workspace, so backward (which then treats them as constants) reads the same buffers either way.
 */
final class BatchNormCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    BatchNormModel b = (BatchNormModel) plan.layer();
    return List.of(forwardMethod(b), backwardMethod(b));
  }

  /**
   * PyTorch's rule, checked before any layer runs (so no running statistic moves): training needs more than one
   * value per channel, which only a vector or a 1x1 image with a batch of one lacks.
   */
  static CodeBlock trainingCheck(LayerPlan plan) {
    if (!(plan.layer() instanceof BatchNormModel b) || b.positions() > 1) {
      return CodeBlock.of("");
    }
    return CodeBlock.builder()
        .beginControlFlow("if (training && batch < 2)")
        .addStatement("throw new IllegalArgumentException($S)", b.name() + ": batch norm in training mode needs more "
            + "than one value per channel to compute a variance, but a batch of 1 of " + b.input() + " has one; "
            + "train with batches of at least 2, or call eval() to use the running statistics")
        .endControlFlow()
        .build();
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    BatchNormModel b = (BatchNormModel) plan.layer();
    String n = b.name();
    CodeBlock.Builder code = CodeBlock.builder().addStatement("$L($L, $L, $L, $L, $L, $L, $L, $L, $L, batch, training)",
        Methods.pass(n, "Forward"), LayerCode.buffer(plan.input()), ActivationCode.producerTarget(plan),
        LayerCode.field(n, "weight"), LayerCode.field(n, "bias"), LayerCode.field(n, "running_mean"),
        LayerCode.field(n, "running_var"), LayerCode.field(n, "num_batches_tracked"), LayerCode.buffer(plan.mean()),
        LayerCode.buffer(plan.invStd()));
    code.beginControlFlow("if (training)")
        .add("// The running statistics moved in place: copies made from them (a folded convolution) must follow.\n")
        .addStatement("$L.runningMean().markModified()", n)
        .addStatement("$L.runningVar().markModified()", n)
        .endControlFlow();
    code.add(ActivationCode.fusedForward(plan));
    return code.build();
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    BatchNormModel b = (BatchNormModel) plan.layer();
    String g = LayerCode.buffer(plan.outputGrad());
    CodeBlock.Builder code = CodeBlock.builder();
    code.add(ActivationCode.fusedBackward(plan));
    return code.addStatement("$L($L, $L, $L, $L, $L, $L, grads[$L], grads[$L], batch, ws.training)",
        Methods.pass(b.name(), "Backward"), LayerCode.buffer(plan.input()), g, LayerCode.buffer(plan.inputGrad()),
        LayerCode.field(b.name(), "weight"), LayerCode.buffer(plan.mean()), LayerCode.buffer(plan.invStd()),
        firstGradient, firstGradient + 1).build();
  }

  /** Opens {@code for n} and {@code for p} over one channel's values, with {@code i} the value's index. */
  private static void openChannel(CodeBlock.Builder b, BatchNormModel m) {
    b.beginControlFlow("for (int n = 0; n < batch; n++)")
        .addStatement("int o = (n * $L + c) * $L", m.channels(), m.positions())
        .beginControlFlow("for (int i = o; i < o + $L; i++)", m.positions());
  }

  private static void close(CodeBlock.Builder b) {
    b.endControlFlow().endControlFlow();
  }

  private static MethodSpec forwardMethod(BatchNormModel m) {
    int c = m.channels();
    String eps = Double.toString(m.eps());
    String momentum = Double.toString(m.momentum());
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("if (training)")
        .addStatement("int count = batch * $L", m.positions())
        .beginControlFlow("for (int c = 0; c < $L; c++)", c)
        .addStatement("double sum = 0");
    openChannel(b, m);
    b.addStatement("sum += x[i]");
    close(b);
    b.addStatement("double mu = sum / count")
        .addStatement("double sq = 0");
    openChannel(b, m);
    b.addStatement("double d = x[i] - mu").addStatement("sq += d * d");
    close(b);
    b.addStatement("mean[c] = (float) mu")
        .add("// Holds the biased variance until the running statistics have taken it.\n")
        .addStatement("invStd[c] = (float) (sq / count)")
        .endControlFlow()
        .add("// The model's shared buffers: one update at a time (see Model on training being single-writer).\n")
        .beginControlFlow("synchronized (runningMean)")
        .beginControlFlow("for (int c = 0; c < $L; c++)", c)
        .addStatement("runningMean[c] = (float) ((1 - $L) * runningMean[c] + $L * mean[c])", momentum, momentum)
        .addStatement(
            "runningVar[c] = (float) ((1 - $L) * runningVar[c] + $L * (double) invStd[c] * count / (count - 1))",
            momentum, momentum)
        .endControlFlow()
        .addStatement("tracked[0] += 1f")
        .endControlFlow()
        .beginControlFlow("for (int c = 0; c < $L; c++)", c)
        .addStatement("invStd[c] = (float) (1 / Math.sqrt(invStd[c] + $L))", eps)
        .endControlFlow()
        .nextControlFlow("else")
        .beginControlFlow("for (int c = 0; c < $L; c++)", c)
        .addStatement("mean[c] = runningMean[c]")
        .addStatement("invStd[c] = (float) (1 / Math.sqrt(runningVar[c] + $L))", eps)
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (int c = 0; c < $L; c++)", c)
        .addStatement("float mu = mean[c]")
        .addStatement("float s = gamma[c] * invStd[c]")
        .addStatement("float t = beta[c]");
    openChannel(b, m);
    b.addStatement("y[i] = (x[i] - mu) * s + t");
    close(b);
    b.endControlFlow();
    return Methods.kernel(Methods.pass(m.name(), "Forward"), "$L forward: $L, $L.\n", m.name(), m.input(),
            m.describe())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "y")
        .addParameter(Methods.FLOATS, "gamma")
        .addParameter(Methods.FLOATS, "beta")
        .addParameter(Methods.FLOATS, "runningMean")
        .addParameter(Methods.FLOATS, "runningVar")
        .addParameter(Methods.FLOATS, "tracked")
        .addParameter(Methods.FLOATS, "mean")
        .addParameter(Methods.FLOATS, "invStd")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "training")
        .addCode(b.build())
        .build();
  }

  /**
   * With batch statistics, {@code gx = gamma * invStd * (g - mean(g) - xhat * mean(g * xhat))}; with running ones
   * (inference), {@code gx = gamma * invStd * g}. Gamma's gradient is {@code sum(g * xhat)}, beta's {@code sum(g)}.
   */
  private static MethodSpec backwardMethod(BatchNormModel m) {
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int c = 0; c < $L; c++)", m.channels())
        .addStatement("float mu = mean[c]")
        .addStatement("float is = invStd[c]")
        .addStatement("double sg = 0")
        .addStatement("double sgx = 0");
    openChannel(b, m);
    b.addStatement("float d = g[i]").addStatement("sg += d").addStatement("sgx += d * (x[i] - mu)");
    close(b);
    b.addStatement("sgx *= is")
        .addStatement("gGamma[c] += (float) sgx")
        .addStatement("gBeta[c] += (float) sg")
        .addStatement("float k = gamma[c] * is")
        .addStatement("float a = training ? (float) (sg / (batch * $L)) : 0f", m.positions())
        .addStatement("float q = training ? (float) (sgx / (batch * $L)) * is : 0f", m.positions());
    openChannel(b, m);
    b.addStatement("gx[i] = k * (g[i] - a - (x[i] - mu) * q)");
    close(b);
    b.endControlFlow();
    return Methods.kernel(Methods.pass(m.name(), "Backward"),
            "$L backward: adds gamma's and beta's gradients, writes the input gradient.\n", m.name())
        .addParameter(Methods.FLOATS, "x")
        .addParameter(Methods.FLOATS, "g")
        .addParameter(Methods.FLOATS, "gx")
        .addParameter(Methods.FLOATS, "gamma")
        .addParameter(Methods.FLOATS, "mean")
        .addParameter(Methods.FLOATS, "invStd")
        .addParameter(Methods.FLOATS, "gGamma")
        .addParameter(Methods.FLOATS, "gBeta")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.BOOLEAN, "training")
        .addCode(b.build())
        .build();
  }
}
