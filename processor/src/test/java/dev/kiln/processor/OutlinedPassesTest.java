package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The passes a training step runs many times are methods of their own, called by the layers' kernels, so that C2
 * compiles them early and small instead of compiling each whole kernel several times mid-loop (a cold run's first
 * LeNet-5 epoch took 6.5-6.9 s with them inline against 4.9-5.2 s outlined: docs/performance.md, "Compiled early and
 * small"). Nothing else would notice if a change put them back inline: the sums are the same bits either way.
 */
class OutlinedPassesTest {
  private static final String INPUT = "{1, 12, 12}";
  private static final String LAYERS =
      "@Conv(filters = 6, kernel = 3, padding = 1, activation = Activation.RELU) ConvLayer c1();\n"
          + "  @Pool(size = 2) PoolLayer p1();\n"
          + "  @Conv(filters = 5, kernel = 3, activation = Activation.RELU) ConvLayer c2();\n"
          + "  @Flatten FlattenLayer f();\n"
          + "  @Dense(units = 12, activation = Activation.RELU) DenseLayer d1();\n"
          + "  @Dense(units = 3) DenseLayer d2();";

  @Test
  void convolutionsCallTheirProductsAndFilterGradientsFromMethodsOfTheirOwn() throws java.io.IOException {
    String source = TestNetworks.generated(INPUT, LAYERS);
    for (String conv : List.of("c1", "c2")) {
      String forward = TestNetworks.generatedMethod(source, conv + "Forward");
      assertThat(forward).contains(conv + "Products(");
      assertThat(forward).doesNotContain("madd(");
      assertThat(TestNetworks.generatedMethod(source, conv + "Products")).contains("madd(");
      assertThat(TestNetworks.generatedMethod(source, conv + "Backward")).contains(conv + "FilterGradients(");
      assertThat(TestNetworks.generatedMethod(source, conv + "FilterGradients")).contains("for (int f = ");
    }
  }

  @Test
  void denseGradientsCallTheirGroupAndSinglePassesFromMethodsOfTheirOwn() throws java.io.IOException {
    String source = TestNetworks.generated(INPUT, LAYERS);
    String weightGradient = TestNetworks.generatedMethod(source, "d1WeightGradient");
    assertThat(weightGradient).contains("d1WeightGradientGroup(");
    assertThat(weightGradient).contains("d1WeightGradientOutput(");
    assertThat(weightGradient).doesNotContain("madd(");
    String inputGradient = TestNetworks.generatedMethod(source, "d1InputGradient");
    assertThat(inputGradient).contains("d1InputGradientGroup(");
    assertThat(inputGradient).contains("d1InputGradientSample(");
    assertThat(inputGradient).doesNotContain("madd(");
    for (String pass : List.of("d1WeightGradientOutput", "d1InputGradientSample")) {
      assertThat(TestNetworks.generatedMethod(source, pass)).contains("madd(");
    }
    // The group passes copy their values and call the layer's passes over rows of its 80 inputs, which C2
    // vectorises only alone in a method (Methods.addListedRowsToGroupAligned); the rows they leave, another.
    for (String group : List.of("d1WeightGradientGroup", "d1InputGradientGroup")) {
      String method = TestNetworks.generatedMethod(source, group);
      assertThat(method).contains("d1AddRows80(");
      assertThat(method).contains("d1AddRowsLeft80(");
      assertThat(method).doesNotContain("madd(");
    }
    String passes = TestNetworks.generatedMethod(source, "d1AddRows80");
    assertThat(passes).contains("madd(");
    assertThat(passes).doesNotContain("if (");
    assertThat(TestNetworks.generatedMethod(source, "d1AddRowsLeft80")).contains("madd(");
    assertThat(TestNetworks.generatedMethod(source, "d1Forward")).contains("d1AddRows12(");
    // Three outputs make no group of four: the last layer's weight gradient has no group pass to call.
    assertThat(TestNetworks.generatedMethod(source, "d2WeightGradient")).doesNotContain("d2WeightGradientGroup(");
    assertThat(source).doesNotContain(" void d2WeightGradientGroup(");
  }
}
