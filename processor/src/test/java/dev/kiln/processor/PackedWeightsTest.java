package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.optim.SGD;
import org.junit.jupiter.api.Test;

/**
 * A Dense layer's forward pass runs on a transposed copy of its weight; the copy must follow every change made
 * through {@code set}, an optimizer step, {@code initialize} or {@code markModified}.
 */
class PackedWeightsTest {
  private static final String NET = "@Dense(units = 3) DenseLayer fc();";

  @Test
  void forwardFollowsEveryWayOfChangingTheWeight() {
    // Both batch sizes read the transposed rows, or with -Dkiln.vector=true the flat copy of the Vector API kernels:
    // each copy must follow.
    for (int batch : new int[] {1, 2}) {
      Model model = TestNetworks.oneLayer("{2}", "", NET);
      Workspace ws = model.newWorkspace(batch);
      float[] x = new float[2 * batch];
      for (int n = 0; n < batch; n++) {
        x[2 * n] = 1f;
        x[2 * n + 1] = 2f;
      }
      Parameter w = model.parameter("fc.weight");
      model.parameter("fc.bias").set(new float[3]);

      w.set(new float[] {1, 0, 0, 1, 1, 1});
      assertThat(java.util.Arrays.copyOf(model.forward(ws, x, batch), 3)).usingExactEquality()
          .containsExactly(1f, 2f, 3f).inOrder();

      w.value()[0] = 5f;
      w.markModified();
      assertThat(model.forward(ws, x, batch)[0]).isEqualTo(5f);

      // one SGD step of lr 1 on a weight gradient of 1 subtracts 1 from every weight (the bias has no gradient)
      java.util.Arrays.fill(w.grad(), 1f);
      SGD sgd = new SGD(model.parameters(), 1.0);
      sgd.step();
      assertThat(model.forward(ws, x, batch)[0]).isEqualTo(4f * 1f + (-1f) * 2f);

      model.initialize(3);
      float[] expected = new float[3];
      for (int o = 0; o < 3; o++) {
        expected[o] = w.value()[2 * o] * 1f + w.value()[2 * o + 1] * 2f;
      }
      assertThat(java.util.Arrays.copyOf(model.forward(ws, x, batch), 3)).usingTolerance(1e-6)
          .containsExactly(expected).inOrder();
    }
  }

  @Test
  void batchesOfFourAndTheRemainderAgreeWithSingleSamples() {
    Model model = TestNetworks.oneLayer("{5}", "", "@Dense(units = 7) DenseLayer fc();");
    int batch = 6; // one block of four, then two single samples
    float[] x = new float[batch * 5];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 3 == 0) ? 0f : i * 0.1f; // zeros exercise the skipped inputs
    }
    float[] together = model.forward(model.newWorkspace(batch), x, batch).clone();
    Workspace one = model.newWorkspace(1);
    for (int n = 0; n < batch; n++) {
      float[] single = model.forward(one, java.util.Arrays.copyOfRange(x, n * 5, n * 5 + 5), 1);
      for (int o = 0; o < 7; o++) {
        // With -Dkiln.vector=true both run on the Vector API kernels, which also give a sample its own bits.
        assertThat(together[n * 7 + o]).isEqualTo(single[o]);
      }
    }
  }

  /**
   * After a split step, threads remake the transposed copies in parts ({@code repackPart}, {@code finishRepack}); the
   * forward pass must then give exactly what it gives when it remakes them itself. Three layers of odd sizes, parts
   * that do not divide their rows, batches that read the rows or (with -Dkiln.vector=true) the flat copy, and then a
   * batch of one.
   */
  @Test
  void copiesRemadeInPartsGiveTheForwardOfCopiesRemadeWhole() {
    String layers = "@Dense(units = 13, activation = Activation.RELU) DenseLayer fc1(); "
        + "@Dense(units = 7) DenseLayer fc2(); @Dense(units = 3) DenseLayer fc3();";
    for (int parts : new int[] {1, 2, 3}) {
      for (int batch : new int[] {1, 5}) {
        Model split = TestNetworks.oneLayer("{11}", "", layers);
        Model whole = TestNetworks.oneLayer("{11}", "", layers);
        float[] x = new float[batch * 11];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) Math.sin(i * 0.7);
        }
        Workspace splitWs = split.newWorkspace(batch);
        Workspace wholeWs = whole.newWorkspace(batch);
        split.forward(splitWs, x, batch); // makes the copies (and, batched with the Vector API on, the flat one)
        whole.forward(wholeWs, x, batch);
        for (int step = 0; step < 2; step++) {
          for (int k = 0; k < split.parameters().size(); k++) {
            Parameter p = split.parameters().get(k);
            Parameter q = whole.parameters().get(k);
            for (int i = 0; i < p.size(); i++) {
              p.value()[i] = q.value()[i] = (float) Math.cos(i * 1.3 + k + step);
            }
            p.markModified();
            q.markModified();
          }
          for (int part = 0; part < parts; part++) {
            split.repackPart(part, parts);
          }
          split.finishRepack();
          float[] expected = whole.forward(wholeWs, x, batch);
          float[] actual = split.forward(splitWs, x, batch);
          for (int i = 0; i < batch * 3; i++) {
            assertThat(actual[i]).isEqualTo(expected[i]);
          }
          // And a batch of one (the rows, or with the Vector API kernels on the same flat copy).
          float[] one = java.util.Arrays.copyOf(x, 11);
          assertThat(split.forward(split.newWorkspace(1), one, 1)).usingExactEquality()
              .containsExactly(whole.forward(whole.newWorkspace(1), one, 1)).inOrder();
        }
      }
    }
  }

  @Test
  void repackPartOutsideItsPartsIsRejected() {
    Model model = TestNetworks.oneLayer("{2}", "", NET);
    assertThrows(IllegalArgumentException.class, () -> model.repackPart(2, 2));
    assertThrows(IllegalArgumentException.class, () -> model.repackPart(0, 0));
  }
}
