package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.init.WeightInit;
import org.junit.jupiter.api.Test;

/** The {@code init} attribute reaches the generated parameters; DEFAULT follows the layer's activation. */
class InitAttributeTest {
  @Test
  void explicitInitializerIsUsed() {
    Model model = TestNetworks.oneLayer("{2, 6, 6}", "",
        "@Conv(filters = 3, kernel = 3, init = Init.LECUN_UNIFORM) ConvLayer c();"
            + " @Dense(units = 4, activation = Activation.TANH, init = Init.HE_UNIFORM) DenseLayer d();");
    assertThat(model.parameter("c.weight").init()).isEqualTo(WeightInit.LECUN_UNIFORM);
    assertThat(model.parameter("d.weight").init()).isEqualTo(WeightInit.HE_UNIFORM);
    // PyTorch's fans: in = channels per group * kernel area, out = filters * kernel area
    assertThat(model.parameter("c.weight").fanIn()).isEqualTo(2 * 9);
    assertThat(model.parameter("c.weight").fanOut()).isEqualTo(3 * 9);
  }

  @Test
  void defaultIsHeForTheReluFamilyAndGlorotOtherwise() {
    Model model = TestNetworks.oneLayer("{5}", "",
        "@Dense(units = 4, activation = Activation.GELU) DenseLayer a();"
            + " @Dense(units = 4, activation = Activation.SIGMOID) DenseLayer b();");
    assertThat(model.parameter("a.weight").init()).isEqualTo(WeightInit.HE_NORMAL);
    assertThat(model.parameter("b.weight").init()).isEqualTo(WeightInit.GLOROT_UNIFORM);
  }
}
