package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.processor.Golden.assertClose;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import org.junit.jupiter.api.Test;

/**
 * Whole networks against PyTorch: one training-mode forward, softmax cross-entropy (mean) and backward, comparing
 * the logits, the loss, the input gradient and every parameter's gradient by PyTorch's name, and the buffers a
 * training forward pass updates (batch norm's running statistics, {@code buffer_after.*}).
 */
class NetGoldenTest {
  static final String MLP = """
      package test;
      import static dev.kiln.annotations.Activation.RELU;
      import dev.kiln.annotations.*;
      import dev.kiln.runtime.layer.*;
      @Network(input = {1, 28, 28})
      public interface Mlp {
        @Dense(units = 256, activation = RELU) DenseLayer fc1();
        @Dense(units = 128, activation = RELU) DenseLayer fc2();
        @Dense(units = 10) DenseLayer fc3();
      }
      """;

  static final String LENET5 = """
      package test;
      import static dev.kiln.annotations.Activation.RELU;
      import dev.kiln.annotations.*;
      import dev.kiln.runtime.layer.*;
      @Network(input = {1, 28, 28})
      public interface LeNet5 {
        @Conv(filters = 6, kernel = 5, padding = 2, activation = RELU) ConvLayer conv1();
        @Pool(size = 2) PoolLayer pool1();
        @Conv(filters = 16, kernel = 5, activation = RELU) ConvLayer conv2();
        @Pool(size = 2) PoolLayer pool2();
        @Dense(units = 120, activation = RELU) DenseLayer fc1();
        @Dense(units = 84, activation = RELU) DenseLayer fc2();
        @Dense(units = 10) DenseLayer fc3();
      }
      """;

  /** PyTorch's LeNet5(bn=True): BatchNorm2d after each conv, before its ReLU. */
  static final String LENET5_BN = """
      package test;
      import static dev.kiln.annotations.Activation.RELU;
      import dev.kiln.annotations.*;
      import dev.kiln.runtime.layer.*;
      @Network(input = {1, 28, 28})
      public interface LeNet5Bn {
        @Conv(filters = 6, kernel = 5, padding = 2) ConvLayer conv1();
        @BatchNorm(activation = RELU) BatchNormLayer bn1();
        @Pool(size = 2) PoolLayer pool1();
        @Conv(filters = 16, kernel = 5) ConvLayer conv2();
        @BatchNorm(activation = RELU) BatchNormLayer bn2();
        @Pool(size = 2) PoolLayer pool2();
        @Dense(units = 120, activation = RELU) DenseLayer fc1();
        @Dense(units = 84, activation = RELU) DenseLayer fc2();
        @Dense(units = 10) DenseLayer fc3();
      }
      """;

  /** PyTorch's ResBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + x), flattened into fc. */
  static final String RESBLOCK = """
      package test;
      import static dev.kiln.annotations.Activation.RELU;
      import dev.kiln.annotations.*;
      import dev.kiln.runtime.layer.*;
      @Network(input = {4, 6, 6})
      public interface ResBlock {
        @Conv(filters = 4, kernel = 3, padding = 1) ConvLayer conv1();
        @BatchNorm(activation = RELU) BatchNormLayer bn1();
        @Conv(filters = 4, kernel = 3, padding = 1) ConvLayer conv2();
        @BatchNorm @Residual(from = "input") BatchNormLayer bn2();
        @Activate(RELU) ActivationLayer relu();
        @Dense(units = 3) DenseLayer fc();
      }
      """;

  @Test
  void net_lenet5_bn() {
    check("net_lenet5_bn", TestNetworks.instantiate("test.LeNet5Bn", LENET5_BN, "test.Kiln_LeNet5Bn"));
  }

  @Test
  void net_resblock() {
    check("net_resblock", TestNetworks.instantiate("test.ResBlock", RESBLOCK, "test.Kiln_ResBlock"));
  }

  @Test
  void net_mlp() {
    check("net_mlp", TestNetworks.instantiate("test.Mlp", MLP, "test.Kiln_Mlp"));
  }

  @Test
  void net_lenet5() {
    check("net_lenet5", TestNetworks.instantiate("test.LeNet5", LENET5, "test.Kiln_LeNet5"));
  }

  /**
   * Training skips the input gradient; the parameter gradients must not change. The MLP's first layer is a Dense,
   * LeNet-5's a Conv: both kernels have the skipping path.
   */
  @Test
  void net_mlp_and_net_lenet5_without_input_gradient() {
    for (String[] net : new String[][] {{"net_mlp", "test.Mlp", MLP}, {"net_lenet5", "test.LeNet5", LENET5}}) {
      Model model = TestNetworks.instantiate(net[1], net[2], net[1].replace("test.", "test.Kiln_"));
      SafetensorsFile file = Golden.read(Golden.cases(net[0] + ".").get(0));
      for (Parameter p : model.parameters()) {
        p.set(file.floats("param." + p.name()));
      }
      float[] labelValues = file.floats("labels");
      int batch = labelValues.length;
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = Math.round(labelValues[i]);
      }
      Workspace ws = model.newWorkspace(batch);
      ws.setInputGradientWanted(false);
      model.train();
      float[] logits = model.forward(ws, file.floats("input"), batch);
      float[] grad = new float[logits.length];
      new SoftmaxCrossEntropy().compute(logits, labels, batch, model.outputShape().size(), grad);
      model.zeroGrad();
      assertWithMessage("%s: backward without the input gradient returns null", net[0])
          .that(model.backward(ws, grad)).isNull();
      for (Parameter p : model.parameters()) {
        assertClose(net[0] + " grad." + p.name(), file.floats("grad." + p.name()), p.grad());
      }
    }
  }

  static void check(String caseName, Model model) {
    SafetensorsFile file = Golden.read(Golden.cases(caseName + ".").get(0));
    for (Parameter p : model.state()) {
      if (p.isTrainable()) {
        p.set(file.floats("param." + p.name()));
      } // buffers start where PyTorch's do: running mean 0, running variance 1, no batches tracked
    }
    float[] input = file.floats("input");
    float[] labelValues = file.floats("labels");
    int batch = labelValues.length;
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = Math.round(labelValues[i]);
    }
    Workspace ws = model.newWorkspace(batch);
    model.train();
    float[] logits = model.forward(ws, input, batch);
    assertClose("logits", file.floats("logits"), logits);
    int classes = model.outputShape().size();
    float[] grad = new float[batch * classes];
    float loss = new SoftmaxCrossEntropy().compute(logits, labels, batch, classes, grad);
    assertWithMessage("loss").that((double) loss).isWithin(1e-4 * Math.abs(file.floats("loss")[0]) + 1e-6)
        .of(file.floats("loss")[0]);
    model.zeroGrad();
    assertClose("grad_input", file.floats("grad_input"), model.backward(ws, grad));
    for (Parameter p : model.parameters()) {
      assertClose("grad." + p.name(), file.floats("grad." + p.name()), p.grad());
    }
    int buffers = 0;
    for (Parameter p : model.state()) {
      if (p.isTrainable()) {
        continue;
      }
      if (p.name().endsWith("num_batches_tracked")) {
        assertWithMessage(p.name()).that(p.value()[0]).isEqualTo(1f);
      } else {
        assertClose("buffer_after." + p.name(), file.floats("buffer_after." + p.name()), p.value());
        buffers++;
      }
    }
    assertWithMessage("running statistics compared").that(buffers)
        .isEqualTo((int) file.names().stream().filter(n -> n.startsWith("buffer_after.")).count());
  }
}
