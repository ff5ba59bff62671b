package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.init.WeightInit;
import org.junit.jupiter.api.Test;

/**
 * How the generated networks start: He for layers with a ReLU, Glorot otherwise, biases at zero, and the
 * {@code @Network} seed fixing every weight.
 */
class InitializationTest {
  @Test
  void defaultsAreHeForReluLayersAndGlorotOtherwise() {
    Model model = new Kiln_LeNet5();
    assertThat(model.parameter("conv1.weight").init()).isEqualTo(WeightInit.HE_NORMAL);
    assertThat(model.parameter("fc2.weight").init()).isEqualTo(WeightInit.HE_NORMAL);
    assertThat(model.parameter("fc3.weight").init()).isEqualTo(WeightInit.GLOROT_UNIFORM);
    assertThat(model.parameter("conv2.weight").fanIn()).isEqualTo(6 * 5 * 5);
    for (Parameter p : model.parameters()) {
      if (p.kind() == Parameter.Kind.BIAS) {
        assertThat(p.value()).isEqualTo(new float[p.size()]);
      }
    }
  }

  @Test
  void theNetworkSeedFixesEveryWeight() {
    Model a = new Kiln_LeNet5();
    Model b = new Kiln_LeNet5();
    for (Parameter p : a.state()) {
      assertThat(b.parameter(p.name()).value()).isEqualTo(p.value());
    }
    b.initialize(a.seed() + 1);
    assertThat(b.parameter("conv1.weight").value()).isNotEqualTo(a.parameter("conv1.weight").value());
    b.initialize(a.seed());
    assertThat(b.parameter("conv1.weight").value()).isEqualTo(a.parameter("conv1.weight").value());
  }
}
