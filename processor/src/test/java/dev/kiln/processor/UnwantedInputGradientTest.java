package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A layer with weights that no learnable layer precedes (the first one, or one after a pool, dropout or activation
 * of the input) computes its input gradient only when the workspace asks for it, as training does not: the
 * parameters' gradients come out the same bits either way, the network's input gradient is null when not asked for
 * and, when asked for, still what it was.
 */
class UnwantedInputGradientTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "pool_then_conv | {2, 8, 8} | @Pool(size = 2) PoolLayer p(); @Conv(filters = 3, kernel = 3) ConvLayer c();"
          + " @Dense(units = 4) DenseLayer d();",
      "activation_then_dense | {12} | @Activate(Activation.TANH) ActivationLayer t();"
          + " @Dense(units = 5, activation = Activation.RELU) DenseLayer a(); @Dense(units = 3) DenseLayer b();",
      "dense_then_dense | {12} | @Dense(units = 5, activation = Activation.RELU) DenseLayer a();"
          + " @Dense(units = 3) DenseLayer b();"})
  void parameterGradientsDoNotDependOnTheInputGradient(String name, String input, String layers) throws Exception {
    Model model = TestNetworks.network(input, layers).train();
    int batch = 5;
    int in = model.inputShape().size();
    int out = model.outputShape().size();
    Random random = new Random(7);
    float[] x = TestNetworks.gaussians(batch * in, random);
    float[] g = TestNetworks.gaussians(batch * out, random);
    Workspace wanted = model.newPrivateWorkspace(batch);
    wanted.zeroGradients();
    model.forward(wanted, x, batch);
    float[] gx = model.backward(wanted, g).clone();
    Workspace unwanted = model.newPrivateWorkspace(batch);
    unwanted.setInputGradientWanted(false);
    unwanted.zeroGradients();
    model.forward(unwanted, x, batch);
    assertWithMessage("%s: the input gradient when not asked for", name).that(model.backward(unwanted, g)).isNull();
    for (int p = 0; p < wanted.gradients().length; p++) {
      float[] a = wanted.gradients()[p];
      float[] b = unwanted.gradients()[p];
      for (int i = 0; i < a.length; i++) {
        assertWithMessage("%s: parameter %s [%s]", name, p, i).that(Float.floatToIntBits(b[i]))
            .isEqualTo(Float.floatToIntBits(a[i]));
      }
    }
    // Asked for again on the same workspace: the same input gradient as before.
    unwanted.setInputGradientWanted(true);
    model.forward(unwanted, x, batch);
    float[] again = model.backward(unwanted, g);
    for (int i = 0; i < gx.length; i++) {
      assertWithMessage("%s: input gradient [%s]", name, i).that(again[i]).isWithin(1e-6f).of(gx[i]);
    }
  }

  /** The generated calls: the second layer with weights always computes its input gradient, the first asks. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "pool_then_dense | {2, 8, 8} | @Pool(size = 2) PoolLayer p(); @Dense(units = 4) DenseLayer d(); | 32, 4,"
          + " ws.inputGradientWanted())",
      "dense_then_dense | {12} | @Dense(units = 5) DenseLayer a(); @Dense(units = 3) DenseLayer b(); | 5, 3, true)"})
  void onlyTheFirstLayerWithWeightsAsks(String name, String input, String layers, String call) throws Exception {
    String generated = TestNetworks.generated(input, layers);
    assertThat(generated).contains("batch, " + call);
  }
}
