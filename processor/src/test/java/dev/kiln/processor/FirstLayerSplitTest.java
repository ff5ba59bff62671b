package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.kernel.VectorBackend;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.SGD;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingHistory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A first dense layer split by outputs across training threads ({@code Model.splitUnits}) gives the bits of the
 * layer computed whole: its outputs from the threads' shares ({@code Model.splitForward}) and its weight and bias
 * gradients from theirs ({@code Model.splitWeightGradient}), whatever the boundaries between the shares (a block of
 * the kernels cut in two, a group of four outputs cut in two). The build runs it with the default loops and again with
 * the Vector API kernels.
 */
class FirstLayerSplitTest {
  /** 96 units (over 300 inputs, a third of them zero), then two more layers. */
  private static Model mlp() {
    return mlp(false);
  }

  /** {@link #mlp()}, or the same after a flatten of a 3 x 10 x 10 input (which aliases the input). */
  private static Model mlp(boolean flatten) {
    return TestNetworks.network(flatten ? "{3, 10, 10}" : "{300}",
        (flatten ? "@Flatten FlattenLayer f();\n  " : "")
            + "@Dense(units = 96, activation = Activation.RELU) DenseLayer a();\n"
            + "  @Dense(units = 40, activation = Activation.RELU) DenseLayer b();\n"
            + "  @Dense(units = 10) DenseLayer c();").train();
  }

  private static float[] inputs(int batch, int in, Random random) {
    float[] x = new float[batch * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextInt(3) == 0 ? 0f : (float) random.nextGaussian();
    }
    return x;
  }

  @Test
  void onlyAFirstDenseLayerOfSixtyFourUnitsOrMoreSplits() {
    Model model = mlp();
    assertThat(model.splitUnits()).isEqualTo(96);
    assertThat(model.splitParameters()).isEqualTo(2);
    // The default loops split the forward pass too on two threads, where the units halve (see halvesOnTwoThreads).
    assertThat(model.splitsForward(2)).isTrue();
    assertThat(model.splitsForward(3)).isEqualTo(VectorBackend.ENABLED);
    Model odd = TestNetworks.network("{30}", "@Dense(units = 65) DenseLayer a();");
    assertThat(odd.splitUnits()).isEqualTo(65);
    assertThat(odd.splitsForward(2)).isEqualTo(VectorBackend.ENABLED);
    Model narrow = TestNetworks.network("{30}", "@Dense(units = 32, bias = false) DenseLayer a();");
    assertThat(narrow.splitUnits()).isEqualTo(0);
    Model conv = TestNetworks.network("{1, 8, 8}",
        "@Conv(filters = 4, kernel = 3) ConvLayer a();\n  @Dense(units = 64) DenseLayer b();");
    assertThat(conv.splitUnits()).isEqualTo(0);
    Workspace ws = conv.newWorkspace(2);
    assertThrows(UnsupportedOperationException.class,
        () -> conv.splitForward(ws, new float[128], 2, new float[128], 0, 32));
    assertThat(mlp(true).splitUnits()).isEqualTo(96); // after a flatten of the input
    Model noBias = TestNetworks.network("{30}", "@Dense(units = 64, bias = false) DenseLayer a();");
    assertThat(noBias.splitUnits()).isEqualTo(64);
    assertThat(noBias.splitParameters()).isEqualTo(1);
  }

  /**
   * 13 samples (groups of four and one left over) and 4 (fewer than the Vector API kernels' blocks of samples), in two
   * shards; the layer's outputs in shares cut at 37 (inside a group of four outputs and a vector block), 64 and 70
   * (a share narrower than a vector, which the Vector API kernels leave to plain loops); also behind a flatten of
   * the input.
   */
  @ParameterizedTest
  @CsvSource({"13, false", "4, false", "13, true"})
  void splitPassesGiveTheBitsOfTheWholeLayer(int batch, boolean flatten) {
    Model model = mlp(flatten);
    int in = 300;
    int units = 96;
    int[] cuts = {0, 37, 64, 70, units};
    Random random = new Random(batch);
    float[] x = inputs(batch, in, random);
    float[] g = TestNetworks.gaussians(batch * 10, random);

    Workspace whole = model.newPrivateWorkspace(batch);
    whole.setInputGradientWanted(false);
    whole.zeroGradients();
    float[] y = model.forward(whole, x, batch).clone();
    model.backward(whole, g);

    // Two shards, as two threads would run them, each on its own workspace.
    float[] outputs = new float[batch * units];
    float[] gradients = new float[batch * units];
    Workspace[] shards = {model.newPrivateWorkspace(batch), model.newPrivateWorkspace(batch)};
    for (int c = 0; c + 1 < cuts.length; c++) {
      model.splitForward(shards[c % 2], x, batch, outputs, cuts[c], cuts[c + 1]);
    }
    int[] starts = {0, batch / 2, batch};
    for (int s = 0; s < 2; s++) {
      Workspace ws = shards[s];
      ws.setInputGradientWanted(false);
      ws.zeroGradients();
      ws.setFirstLayerSplit(outputs, gradients, starts[s]);
      int m = starts[s + 1] - starts[s];
      float[] ys = model.forward(ws, TestNetworks.slice(x, starts[s] * in, m * in), m);
      TestNetworks.assertSameBits("output of shard " + s, TestNetworks.slice(y, starts[s] * 10, m * 10), TestNetworks.slice(ys, 0, m * 10));
      model.backward(ws, TestNetworks.slice(g, starts[s] * 10, m * 10));
    }
    // The model's own gradients of the split layer, set share by share (they start out non-zero: set, not added).
    java.util.Arrays.fill(model.parameters().get(0).grad(), 7f);
    for (int c = 0; c + 1 < cuts.length; c++) {
      model.splitWeightGradient(shards[c % 2], x, gradients, batch, cuts[c], cuts[c + 1]);
    }
    float[][] expected = whole.gradients();
    TestNetworks.assertSameBits("weight gradient", expected[0], model.parameters().get(0).grad());
    TestNetworks.assertSameBits("bias gradient", expected[1], model.parameters().get(1).grad());
    // The split layer's gradients in the shards' own arrays are untouched; the other layers' are each shard's share.
    for (int s = 0; s < 2; s++) {
      for (float v : shards[s].gradients()[0]) {
        assertThat(v).isEqualTo(0f);
      }
    }
    for (int p = 2; p < expected.length; p++) {
      float[] sum = shards[0].gradients()[p].clone();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += shards[1].gradients()[p][i];
      }
      for (int i = 0; i < sum.length; i++) {
        assertWithMessage("parameter %s [%s]", p, i).that(sum[i])
            .isWithin(1e-5f * Math.max(1f, Math.abs(expected[p][i]))).of(expected[p][i]);
      }
    }
  }

  /**
   * The default build's two halves (each on a transposed copy of its own, {@code splitsForward(2)}) give the whole
   * layer's bits, before and after a split optimizer step's repacking: that remakes each half's copy (and not the
   * whole copy, which the next whole forward pass must then remake rather than read stale), and a half read
   * after it sees the new weight. The same with the Vector API kernels, whose path ignores the halves.
   */
  @Test
  void halvesOnTwoThreadsGiveTheBitsOfTheWholeLayer() {
    Model model = mlp();
    int batch = 13;
    int in = 300;
    int units = 96;
    Random random = new Random(5);
    float[] x = inputs(batch, in, random);
    Workspace whole = model.newPrivateWorkspace(batch);
    Workspace[] threads = {model.newPrivateWorkspace(batch), model.newPrivateWorkspace(batch)};
    for (int round = 0; round < 3; round++) {
      float[] expected = new float[batch * units];
      model.forward(whole, x, batch); // remakes the whole copy where the last repacking left it stale
      // The first layer's outputs before the ReLU are not the workspace's output: compare through a split
      // forward pass of the whole range, whose bits are the layer's own (splitPassesGiveTheBitsOfTheWholeLayer).
      model.splitForward(whole, x, batch, expected, 0, units);
      float[] halves = new float[batch * units];
      model.splitForward(threads[0], x, batch, halves, 0, units / 2);
      model.splitForward(threads[1], x, batch, halves, units / 2, units);
      TestNetworks.assertSameBits("round " + round, expected, halves);
      // An optimizer step split in two, then the repacking split the same way, as BatchEngine runs them.
      float[] w = model.parameters().get(0).value();
      for (int i = 0; i < w.length; i += 7) {
        w[i] += 0.25f * (float) random.nextGaussian();
      }
      model.parameters().get(0).markModified();
      model.repackPart(0, 2);
      model.repackPart(1, 2);
      model.finishRepack();
    }
    // The whole layer once more, with nothing split since the last repacking: the whole copy is current.
    float[] expected = new float[batch * units];
    model.splitForward(whole, x, batch, expected, 0, units);
    float[] direct = directFirstLayer(model, x, batch, in, units);
    for (int i = 0; i < expected.length; i++) {
      assertWithMessage("[%s]", i).that(expected[i]).isWithin(1e-4f * Math.max(1f, Math.abs(direct[i])))
          .of(direct[i]);
    }
  }

  /**
   * The trainer on two threads (the first layer split by outputs, its forward pass in halves on copies of their own
   * in the default build) reaches one thread's weights and validation losses, up to the rounding of sums split across
   * the shards, with a validation set evaluated after every epoch: that pass reads the whole copy, which the halves'
   * repacking leaves stale. A half's copy left stale, or the whole copy read stale, would move them by far more.
   */
  @Test
  void twoThreadsTrainAsOneThread() {
    Random random = new Random(11);
    int in = 300;
    Dataset train = labelled(150, in, random);
    Dataset validation = labelled(40, in, random);
    Model one = mlp();
    Model two = mlp();
    for (int p = 0; p < one.parameters().size(); p++) {
      Parameter from = one.parameters().get(p);
      Parameter to = two.parameters().get(p);
      System.arraycopy(from.value(), 0, to.value(), 0, from.size());
      to.markModified();
    }
    TrainingHistory h1 = fit(one, 1, train, validation);
    TrainingHistory h2 = fit(two, 2, train, validation);
    for (int e = 0; e < h1.epochCount(); e++) {
      assertWithMessage("validation loss, epoch %s", e).that(h2.validationLoss()[e])
          .isWithin(1e-5 * Math.max(1, Math.abs(h1.validationLoss()[e]))).of(h1.validationLoss()[e]);
    }
    for (int p = 0; p < one.parameters().size(); p++) {
      float[] expected = one.parameters().get(p).value();
      float[] actual = two.parameters().get(p).value();
      for (int i = 0; i < expected.length; i++) {
        assertWithMessage("parameter %s [%s]", p, i).that(actual[i])
            .isWithin(1e-5f * Math.max(1f, Math.abs(expected[i]))).of(expected[i]);
      }
    }
  }

  private static Dataset labelled(int samples, int in, Random random) {
    int[] labels = new int[samples];
    for (int i = 0; i < samples; i++) {
      labels[i] = random.nextInt(10);
    }
    return Dataset.classification(inputs(samples, in, random), Shape.of(in), labels, 10);
  }

  private static TrainingHistory fit(Model model, int threads, Dataset train, Dataset validation) {
    try (Trainer trainer = Trainer.builder(model).loss(new SoftmaxCrossEntropy())
        .optimizer(new SGD(model.parameters(), 0.05)).epochs(3).batchSize(16).seed(9).validation(validation)
        .threads(threads).build()) {
      return trainer.fit(train);
    }
  }

  /** The first layer's outputs before its activation, summed in doubles from the weight as it is. */
  private static float[] directFirstLayer(Model model, float[] x, int batch, int in, int units) {
    float[] w = model.parameters().get(0).value();
    float[] b = model.parameters().get(1).value();
    float[] y = new float[batch * units];
    for (int n = 0; n < batch; n++) {
      for (int o = 0; o < units; o++) {
        double sum = b[o];
        for (int i = 0; i < in; i++) {
          sum += (double) x[n * in + i] * w[o * in + i];
        }
        y[n * units + o] = (float) sum;
      }
    }
    return y;
  }

  /**
   * A flatten of the network's input aliases it, so the dense layer after it asks the workspace whether to compute
   * the input gradient (a trainer turns it off) instead of always computing it for a flatten's own buffer.
   */
  @Test
  void aFlattenOfTheInputLeavesTheInputGradientToTheWorkspace() throws Exception {
    String generated =
        TestNetworks.generated("{3, 10, 10}", "@Flatten FlattenLayer f();\n  @Dense(units = 96) DenseLayer a();");
    assertThat(generated).doesNotContain("fOut");
    assertThat(generated).contains("ws.inputGrad, grads[0], grads[1], batch, 300, 96, ws.inputGradientWanted())");
  }

  @Test
  void aSplitWorkspaceRefusesAnInputGradient() {
    Model model = mlp();
    Workspace ws = model.newWorkspace(4);
    assertThrows(IllegalStateException.class, () -> ws.setFirstLayerSplit(null, new float[4 * 96], 0));
    ws.setInputGradientWanted(false);
    ws.setFirstLayerSplit(null, new float[4 * 96], 0);
    assertThrows(IllegalStateException.class, () -> ws.setInputGradientWanted(true));
    ws.clearFirstLayerSplit();
    ws.setInputGradientWanted(true);
    assertThrows(IllegalArgumentException.class,
        () -> model.splitForward(ws, new float[4 * 300], 4, new float[4 * 96], 50, 40));
    assertThrows(IllegalArgumentException.class,
        () -> model.splitForward(ws, new float[4 * 300], 5, new float[5 * 96], 0, 96));
    // A split whose arrays do not hold this shard's rows, or on a model that cannot split: refused, not half-run.
    ws.setInputGradientWanted(false);
    ws.setFirstLayerSplit(new float[4 * 96], new float[4 * 96], 2);
    assertThrows(IllegalArgumentException.class, () -> model.forward(ws, new float[3 * 300], 3));
    Model conv = TestNetworks.network("{1, 8, 8}", "@Conv(filters = 4, kernel = 3) ConvLayer a();");
    Workspace convWs = conv.newWorkspace(1);
    convWs.setInputGradientWanted(false);
    convWs.setFirstLayerSplit(null, new float[96], 0);
    assertThrows(UnsupportedOperationException.class, () -> conv.forward(convWs, new float[64], 1));
  }
}
