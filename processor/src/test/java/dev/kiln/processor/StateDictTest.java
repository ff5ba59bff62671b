package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.io.Weights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The new layers' tensors carry PyTorch's state_dict names, shapes, order and starting values, so a PyTorch model of
 * the same architecture loads unchanged, running statistics included; and they survive a save and load.
 */
class StateDictTest {
  private static final String NET = """
      package test;
      import static dev.kiln.annotations.Activation.RELU;
      import dev.kiln.annotations.*;
      import dev.kiln.runtime.layer.*;
      @Network(input = {4, 6, 6}, seed = 3)
      public interface Net {
        @Conv(filters = 4, kernel = 3, padding = 1) ConvLayer conv1();
        @BatchNorm(activation = RELU) BatchNormLayer bn1();
        @ConvTranspose(filters = 6, kernel = 2, stride = 2, groups = 2) ConvTransposeLayer up();
        @GroupNorm(groups = 3) NormLayer gn();
        @InstanceNorm NormLayer inorm();
        @PReLU PReluLayer prelu();
        @Dropout(0.1) DropoutLayer drop();
        @GlobalPool GlobalPoolLayer gap();
        @Flatten FlattenLayer flat();
        @LayerNorm NormLayer ln();
        @PReLU(shared = true) PReluLayer prelu2();
      }
      """.replace("GlobalPoolLayer", "PoolLayer");

  private static Model net() {
    return TestNetworks.instantiate("test.Net", NET, "test.Kiln_Net");
  }

  private static String describe(Parameter p) {
    return p.name() + java.util.Arrays.toString(p.shape()) + " " + p.kind();
  }

  @Test
  void namesShapesAndOrderArePyTorchs() {
    List<String> state = new ArrayList<>();
    for (Parameter p : net().state()) {
      state.add(describe(p));
    }
    assertThat(state).containsExactly(
        "conv1.weight[4, 4, 3, 3] WEIGHT",
        "conv1.bias[4] BIAS",
        "bn1.weight[4] SCALE",
        "bn1.bias[4] BIAS",
        "bn1.running_mean[4] BUFFER",
        "bn1.running_var[4] BUFFER",
        "bn1.num_batches_tracked[] BUFFER",
        "up.weight[4, 3, 2, 2] WEIGHT", // [in, out / groups, kh, kw]
        "up.bias[6] BIAS",
        "gn.weight[6] SCALE",
        "gn.bias[6] BIAS",
        "inorm.weight[6] SCALE",
        "inorm.bias[6] BIAS",
        "prelu.weight[6] SCALE",
        "ln.weight[6] SCALE",
        "ln.bias[6] BIAS",
        "prelu2.weight[1] SCALE").inOrder();
  }

  @Test
  void startingValuesArePyTorchs() {
    Model model = net();
    assertThat(model.parameter("bn1.weight").value()).isEqualTo(new float[] {1, 1, 1, 1});
    assertThat(model.parameter("bn1.bias").value()).isEqualTo(new float[] {0, 0, 0, 0});
    assertThat(model.parameter("bn1.running_mean").value()).isEqualTo(new float[] {0, 0, 0, 0});
    assertThat(model.parameter("bn1.running_var").value()).isEqualTo(new float[] {1, 1, 1, 1});
    assertThat(model.parameter("bn1.num_batches_tracked").value()).isEqualTo(new float[] {0});
    assertThat(model.parameter("prelu.weight").value()).isEqualTo(new float[] {.25f, .25f, .25f, .25f, .25f, .25f});
    assertThat(model.parameter("prelu2.weight").value()).isEqualTo(new float[] {.25f});
    assertThat(model.parameter("ln.weight").value()).isEqualTo(new float[] {1, 1, 1, 1, 1, 1});
    // Learnable tensors only: the running statistics are not stepped by optimizers.
    assertThat(model.parameters().stream().map(Parameter::name).toList())
        .containsNoneOf("bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked");
  }

  @Test
  void runningStatisticsAreSavedAndLoadedWithTheWeights(@TempDir Path dir) throws Exception {
    Model trained = net();
    trained.train();
    float[] x = new float[3 * 4 * 6 * 6];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(i);
    }
    trained.forward(trained.newWorkspace(3), x, 3);
    trained.forward(trained.newWorkspace(3), x, 3);
    Path file = dir.resolve("net.safetensors");
    Weights.save(trained, file);
    SafetensorsFile read = SafetensorsFile.read(file);
    assertThat(read.dtype("bn1.num_batches_tracked")).isEqualTo("I64");
    assertThat(read.longs("bn1.num_batches_tracked")).asList().containsExactly(2L);
    assertThat(read.floats("bn1.running_var")).isEqualTo(trained.parameter("bn1.running_var").value());

    Model fresh = net();
    Weights.load(fresh, file);
    for (Parameter p : trained.state()) {
      assertThat(fresh.parameter(p.name()).value()).isEqualTo(p.value());
    }
    float[] expected = trained.eval().forward(trained.newWorkspace(3), x, 3).clone();
    assertThat(fresh.forward(fresh.newWorkspace(3), x, 3)).isEqualTo(expected);
    assertThat(Files.size(file)).isGreaterThan(0L);
  }
}
