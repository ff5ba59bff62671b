package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.WarmUp;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.parallel.ParallelInference;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link WarmUp} on generated networks: it leaves the model as it found it (weights, batch norm's running statistics
 * and the answers to real images, bit for bit), refuses a model in training mode, and drives a
 * {@link ParallelInference} pool as well as a workspace.
 */
class WarmUpTest {
  private static final int BATCH = 8;
  private static final Duration BUDGET = Duration.ofMillis(400);

  @Test
  void leavesWeightsStatisticsAndAnswersAsTheyWere() throws IOException {
    Model model = new Kiln_LeNet5Bn().eval();
    // Running statistics that are not the initial ones, so that a warm-up that moved them would show.
    for (Parameter p : model.state()) {
      if (p.name().endsWith("running_mean") || p.name().endsWith("running_var")) {
        float[] v = p.value();
        for (int i = 0; i < v.length; i++) {
          v[i] = p.name().endsWith("running_var") ? 0.5f + 0.01f * i : 0.02f * i;
        }
        p.markModified();
      }
    }
    float[] images = Arrays.copyOf(FashionData.shippedTest().head(BATCH).features(), BATCH * 784);
    Workspace workspace = model.newWorkspace(BATCH);
    float[] before = Arrays.copyOf(model.forward(workspace, images, BATCH), BATCH * 10);
    List<float[]> state = snapshot(model);

    WarmUp.Report report = WarmUp.run(model, workspace, BUDGET);

    assertThat(report.calls()).isGreaterThan(0L);
    assertThat(model.isTraining()).isFalse();
    List<float[]> after = snapshot(model);
    for (int i = 0; i < state.size(); i++) {
      assertThat(after.get(i)).isEqualTo(state.get(i));
    }
    assertThat(Arrays.copyOf(model.forward(workspace, images, BATCH), BATCH * 10)).isEqualTo(before);
  }

  @Test
  void refusesAModelInTrainingMode() {
    Model model = new Kiln_LeNet5Bn().train();
    Workspace workspace = model.newWorkspace(1);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> WarmUp.run(model, workspace, BUDGET));
    assertThat(e).hasMessageThat().contains("model.eval()");
  }

  @Test
  void warmsAParallelPoolWithoutChangingItsAnswers() throws IOException {
    Model model = PyTorchInterop.withPyTorchWeights(new Kiln_Mlp(), "mlp").eval();
    float[] images = Arrays.copyOf(FashionData.shippedTest().head(BATCH).features(), BATCH * 784);
    try (ParallelInference parallel = new ParallelInference(model, 2, BATCH)) {
      // A pool's output array is reused and may be longer than a call's answer: compare the answers alone.
      float[] before = Arrays.copyOf(parallel.forward(images, BATCH), BATCH * 10);
      float[] one = Arrays.copyOf(parallel.forward(images, 1), 10);

      WarmUp.Report report = WarmUp.run(parallel::forward, 784, parallel.maxBatch(), BUDGET);

      assertThat(report.samples()).isAtLeast(report.calls());
      assertThat(Arrays.copyOf(parallel.forward(images, BATCH), BATCH * 10)).isEqualTo(before);
      assertThat(Arrays.copyOf(parallel.forward(images, 1), 10)).isEqualTo(one);
    }
  }

  private static List<float[]> snapshot(Model model) {
    List<float[]> values = new ArrayList<>();
    for (Parameter p : model.state()) {
      values.add(p.value().clone());
    }
    return values;
  }
}
