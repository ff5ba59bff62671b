package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.processor.Golden.assertClose;

import com.google.testing.compile.Compilation;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.optim.SGD;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Batch norm folded into the convolution before it at inference: against PyTorch's numbers, against the same
 * layers run unfolded, after every way the six tensors can change, and with a backward pass after a folded forward.
 */
class BatchNormFoldTest {
  /**
   * A padded convolution, batch norm and ReLU, then a grouped, strided convolution without bias whose batch norm has
   * another activation.
   */
  private static final String FOLDED = """
      package test;
      import dev.kiln.annotations.*;
      import dev.kiln.runtime.layer.*;
      @Network(input = {2, 7, 7}, seed = 5)
      public interface Net {
        @Conv(filters = 4, kernel = 3, padding = 1) ConvLayer conv1();
        @BatchNorm(activation = Activation.RELU) BatchNormLayer bn1();
        @Conv(filters = 2, kernel = 3, stride = 2, groups = 2, bias = false) ConvLayer conv2();
        @BatchNorm(activation = Activation.TANH, eps = 1e-3) BatchNormLayer bn2();
        @Dense(units = 5) DenseLayer fc();
      }
      """;

  /**
   * The same tensors with a dropout between each convolution and its batch norm: an identity outside training, and
   * a layer between the two, so nothing is folded. The reference the folded network must match.
   */
  private static final String UNFOLDED = FOLDED
      .replace("ConvLayer conv1();", "ConvLayer conv1();\n  @Dropout(0.5) DropoutLayer d1();")
      .replace("ConvLayer conv2();", "ConvLayer conv2();\n  @Dropout(0.5) DropoutLayer d2();");

  private static final int BATCH = 3;

  @Test
  void generatedCodeFoldsOnlyWhereNothingComesBetween() {
    assertThat(source(FOLDED)).contains("batch norm is folded into the convolution before it: bn1 into conv1, "
        + "bn2 into conv2.");
    assertThat(source(UNFOLDED)).doesNotContain("Folded");
    // A convolution with its own activation, or whose output a residual reads, keeps its batch norm apart.
    String activated = FOLDED.replace("@Conv(filters = 4, kernel = 3, padding = 1)",
        "@Conv(filters = 4, kernel = 3, padding = 1, activation = Activation.RELU)");
    assertThat(source(activated)).doesNotContain("bn1 into conv1");
    String residual = FOLDED.replace("@BatchNorm(activation = Activation.TANH, eps = 1e-3)",
        "@BatchNorm(activation = Activation.TANH, eps = 1e-3) @Residual(from = \"conv2\")");
    assertThat(source(residual)).doesNotContain("bn2 into conv2");
  }

  /**
   * PyTorch's numbers: conv2d_4 (a 1x1 convolution to 3 channels on 5x5) feeds the running statistics, scale and
   * shift of norm_batchnorm2d_eval (3 channels). The folded forward pass must give PyTorch's convolution output
   * through the batch norm's formula. With the batch norm's output gradient chosen as conv2d_4's output gradient
   * divided by {@code gamma / sqrt(var + eps)}, the convolution's gradients must be PyTorch's own.
   */
  @Test
  void matchesPyTorchThroughAConvolutionAndABatchNorm() {
    SafetensorsFile conv = Golden.read(golden("conv2d_4"));
    SafetensorsFile norm = Golden.read(golden("norm_batchnorm2d_eval"));
    double eps = Golden.number(Golden.config(norm), "eps");
    Model model = TestNetworks.instantiate("test.Pair", """
        package test;
        import dev.kiln.annotations.*;
        import dev.kiln.runtime.layer.*;
        @Network(input = {6, 5, 5})
        public interface Pair {
          @Conv(filters = 3, kernel = 1) ConvLayer conv();
          @BatchNorm(eps = %s) BatchNormLayer bn();
        }
        """.formatted(eps), "test.Kiln_Pair");
    model.parameter("conv.weight").set(conv.floats("weight"));
    model.parameter("conv.bias").set(conv.floats("bias"));
    float[] gamma = norm.floats("gamma");
    float[] beta = norm.floats("beta");
    float[] mean = norm.floats("running_mean_before");
    float[] var = norm.floats("running_var_before");
    model.parameter("bn.weight").set(gamma);
    model.parameter("bn.bias").set(beta);
    model.parameter("bn.running_mean").set(mean);
    model.parameter("bn.running_var").set(var);

    float[] convOut = conv.floats("output");
    float[] convGrad = conv.floats("grad_output");
    int positions = 25;
    float[] expected = new float[convOut.length];
    float[] gradOut = new float[convOut.length];
    double[] gradGamma = new double[3];
    double[] gradBeta = new double[3];
    for (int i = 0; i < convOut.length; i++) {
      int c = i / positions % 3;
      double invStd = 1 / Math.sqrt(var[c] + eps);
      double xhat = (convOut[i] - mean[c]) * invStd;
      expected[i] = (float) (xhat * gamma[c] + beta[c]);
      gradOut[i] = (float) (convGrad[i] / (gamma[c] * invStd));
      gradGamma[c] += gradOut[i] * xhat;
      gradBeta[c] += gradOut[i];
    }
    Workspace ws = model.newWorkspace(2);
    assertClose("output", expected, model.forward(ws, conv.floats("input"), 2));
    model.zeroGrad();
    assertClose("grad_input", conv.floats("grad_input"), model.backward(ws, gradOut));
    assertClose("grad_weight", conv.floats("grad_weight"), model.parameter("conv.weight").grad());
    assertClose("grad_bias", conv.floats("grad_bias"), model.parameter("conv.bias").grad());
    assertClose("grad_gamma", toFloats(gradGamma), model.parameter("bn.weight").grad());
    assertClose("grad_beta", toFloats(gradBeta), model.parameter("bn.bias").grad());
    assertWithMessage("inference leaves the running statistics alone")
        .that(model.parameter("bn.running_mean").value()).isEqualTo(mean);
  }

  @Test
  void foldedInferenceAndItsBackwardMatchTheUnfoldedLayers() {
    Model folded = TestNetworks.instantiate("test.Net", FOLDED, "test.Kiln_Net");
    Model unfolded = TestNetworks.instantiate("test.Net", UNFOLDED, "test.Kiln_Net");
    randomize(folded, 11);
    copyState(folded, unfolded);
    float[] x = gaussian(BATCH * folded.inputShape().size(), 3);
    Workspace fws = folded.newWorkspace(BATCH);
    Workspace uws = unfolded.newWorkspace(BATCH);
    assertAgree("eval output", unfolded.forward(uws, x, BATCH), folded.forward(fws, x, BATCH));

    // Backward after a folded forward pass runs the forward pass unfolded first: exactly the unfolded gradients.
    assertSameBackward(folded, fws, unfolded, uws, 4);
  }

  @Test
  void foldedCopyFollowsEveryChangeOfTheSixTensors() {
    Model folded = TestNetworks.instantiate("test.Net", FOLDED, "test.Kiln_Net");
    Model unfolded = TestNetworks.instantiate("test.Net", UNFOLDED, "test.Kiln_Net");
    float[] x = gaussian(BATCH * folded.inputShape().size(), 7);
    Workspace fws = folded.newWorkspace(BATCH);
    Workspace uws = unfolded.newWorkspace(BATCH);
    Runnable agree = () -> {
      copyState(folded, unfolded);
      assertAgree("eval output", unfolded.forward(uws, x, BATCH), folded.forward(fws, x, BATCH));
    };
    agree.run(); // fresh weights, default statistics

    // set(): a load, a restore of the best weights
    folded.parameter("bn1.running_var").set(new float[] {0.5f, 2f, 3f, 0.25f});
    agree.run();
    folded.parameter("bn2.running_mean").set(new float[] {0.3f, -0.2f});
    agree.run();
    folded.parameter("conv1.bias").set(new float[] {1f, -1f, 0.5f, 0f});
    agree.run();

    // written in place, then declared
    folded.parameter("bn2.weight").value()[1] = -2f;
    folded.parameter("bn2.weight").markModified();
    agree.run();

    // a training pass moves the running statistics
    folded.train();
    folded.forward(folded.newWorkspace(BATCH), x, BATCH);
    folded.eval();
    agree.run();

    // an optimizer step moves the convolutions' weights and the batch norms' scales and shifts
    for (Parameter p : folded.parameters()) {
      Arrays.fill(p.grad(), 0.1f);
    }
    new SGD(folded.parameters(), 0.5).step();
    agree.run();

    // initialize() redraws everything
    folded.initialize(99);
    agree.run();
  }

  /**
   * A workspace whose last pass was folded runs its next training pass, and the backward after it, as written: the
   * same values as a twin model that never ran inference.
   */
  @Test
  void aTrainingPassAfterAFoldedOneIsNotFolded() {
    Model model = TestNetworks.instantiate("test.Net", FOLDED, "test.Kiln_Net");
    Model twin = TestNetworks.instantiate("test.Net", FOLDED, "test.Kiln_Net");
    randomize(model, 5);
    copyState(model, twin);
    float[] x = gaussian(BATCH * model.inputShape().size(), 8);
    Workspace ws = model.newWorkspace(BATCH);
    model.forward(ws, x, BATCH); // inference: folded
    model.train();
    twin.train();
    Workspace twinWs = twin.newWorkspace(BATCH);
    assertThat(model.forward(ws, x, BATCH)).isEqualTo(twin.forward(twinWs, x, BATCH));
    assertSameBackward(model, ws, twin, twinWs, 9);
  }

  /**
   * Backpropagates the same random output gradient through both models' last forward passes: the input gradient
   * and every parameter's gradient must be bit-identical.
   */
  private static void assertSameBackward(Model model, Workspace ws, Model reference, Workspace referenceWs,
      long seed) {
    float[] g = gaussian(BATCH * model.outputShape().size(), seed);
    model.zeroGrad();
    reference.zeroGrad();
    float[] gx = model.backward(ws, g).clone();
    assertThat(gx).isEqualTo(reference.backward(referenceWs, g));
    for (Parameter p : model.parameters()) {
      assertWithMessage(p.name()).that(p.grad()).isEqualTo(reference.parameter(p.name()).grad());
    }
  }

  private static void assertAgree(String what, float[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      double tolerance = 1e-5 + 1e-5 * Math.abs(expected[i]);
      if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
        throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", unfolded " + expected[i]);
      }
    }
  }

  /** Moves every tensor off its initial value, running statistics too (a variance stays positive). */
  private static void randomize(Model model, long seed) {
    Rng rng = new Rng(seed);
    for (Parameter p : model.state()) {
      if (p.name().endsWith("num_batches_tracked")) {
        continue;
      }
      float[] v = p.value();
      for (int i = 0; i < v.length; i++) {
        v[i] = p.name().endsWith("running_var") ? (float) (0.2 + rng.nextDouble() * 2)
            : v[i] + (float) (0.3 * rng.nextGaussian());
      }
      p.markModified();
    }
  }

  private static void copyState(Model from, Model to) {
    for (Parameter p : from.state()) {
      to.parameter(p.name()).set(p.value());
    }
  }

  private static float[] gaussian(int n, long seed) {
    Rng rng = new Rng(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return x;
  }

  private static float[] toFloats(double[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      f[i] = (float) values[i];
    }
    return f;
  }

  private static Path golden(String name) {
    return Golden.cases(name).stream()
        .filter(p -> Golden.caseName(p).equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no golden case " + name));
  }

  private static String source(String net) {
    Compilation compilation = TestNetworks.compile("test.Net", net);
    assertThat(compilation.status()).isEqualTo(Compilation.Status.SUCCESS);
    try {
      return compilation.generatedSourceFile("test.Kiln_Net").orElseThrow().getCharContent(true).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
