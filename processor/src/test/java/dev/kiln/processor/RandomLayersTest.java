package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The layers that draw random numbers in training mode (dropout, Gaussian dropout, RReLU, stochastic pooling):
 * statistical tests over many draws, each with a stated bound of five standard deviations of its estimate (a
 * correct implementation fails one of them with probability below 1e-6; the draws are seeded, so a run is
 * deterministic anyway), reproducibility from the workspace's generator, and the switch between training and
 * inference modes, including batch norm's.
 */
class RandomLayersTest {
  /** Bounds are this many standard deviations of the estimate. */
  private static final double SIGMAS = 5;

  private static float[] filled(int n, float value) {
    float[] x = new float[n];
    Arrays.fill(x, value);
    return x;
  }

  @Test
  void dropoutKeepsOneMinusPOfTheValuesAndPreservesTheMean() {
    double p = 0.3;
    Model model = TestNetworks.oneLayer("{1000}", "", "@Dropout(" + p + ") DropoutLayer drop();");
    int batch = 100;
    int n = batch * 1000;
    Workspace ws = model.newWorkspace(batch);
    model.train();
    float[] y = model.forward(ws, filled(n, 1f), batch);
    int kept = 0;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      if (y[i] != 0f) {
        kept++;
        assertWithMessage("a kept value is scaled by 1 / (1 - p)").that(y[i]).isEqualTo((float) (1 / (1 - p)));
      }
      sum += y[i];
    }
    double keptFraction = (double) kept / n;
    assertWithMessage("kept fraction (bound: %s sigma)", SIGMAS).that(keptFraction)
        .isWithin(SIGMAS * Math.sqrt(p * (1 - p) / n)).of(1 - p);
    // Each output is 1/(1-p) with probability 1-p, else 0: mean 1, variance p / (1 - p).
    assertWithMessage("mean of the output (bound: %s sigma)", SIGMAS).that(sum / n)
        .isWithin(SIGMAS * Math.sqrt(p / (1 - p) / n)).of(1.0);
  }

  @Test
  void gaussianDropoutHasMeanOneAndVarianceOfTheBernoulliMask() {
    double p = 0.5;
    Model model = TestNetworks.oneLayer("{1000}", "", "@Dropout(value = " + p + ", gaussian = true) DropoutLayer d();");
    int batch = 100;
    int n = batch * 1000;
    Workspace ws = model.newWorkspace(batch);
    model.train();
    float[] y = model.forward(ws, filled(n, 1f), batch);
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      sum += y[i];
      sq += (double) y[i] * y[i];
    }
    double mean = sum / n;
    double variance = sq / n - mean * mean;
    double expectedVariance = p / (1 - p);
    assertWithMessage("mean").that(mean).isWithin(SIGMAS * Math.sqrt(expectedVariance / n)).of(1.0);
    // The variance of a sample variance of normals is 2 sigma^4 / n.
    assertWithMessage("variance").that(variance)
        .isWithin(SIGMAS * expectedVariance * Math.sqrt(2.0 / n)).of(expectedVariance);
  }

  @Test
  void dropoutIsTheIdentityInInferenceModeWhichIsTheDefault() {
    Model model = TestNetworks.oneLayer("{50}", "", "@Dropout(0.9) DropoutLayer drop();");
    assertThat(model.isTraining()).isFalse();
    float[] x = new float[100];
    for (int i = 0; i < x.length; i++) {
      x[i] = i - 50.5f;
    }
    Workspace ws = model.newWorkspace(2);
    long state = ws.rng().state();
    assertThat(Arrays.copyOf(model.forward(ws, x, 2), 100)).isEqualTo(x);
    assertThat(Arrays.copyOf(model.backward(ws, x), 100)).isEqualTo(x);
    assertWithMessage("inference draws no random numbers").that(ws.rng().state()).isEqualTo(state);
  }

  @Test
  void backwardFollowsTheModeOfItsForwardPass() {
    Model model = TestNetworks.oneLayer("{200}", "", "@Dropout(0.5) DropoutLayer drop();");
    Workspace ws = model.newWorkspace(1);
    model.train();
    float[] y = model.forward(ws, filled(200, 1f), 1).clone();
    model.eval(); // after the forward pass: the mask of that pass still applies
    float[] gx = model.backward(ws, filled(200, 1f));
    assertThat(Arrays.copyOf(gx, 200)).isEqualTo(y);
  }

  @Test
  void sameSeedSameMasks() {
    String layers = "@Dropout(0.5) DropoutLayer a(); @RReLU ActivationLayer b();"
        + " @Dropout(value = 0.2, gaussian = true) DropoutLayer c();";
    Model first = TestNetworks.oneLayer("{64}", "", layers);
    Model second = TestNetworks.oneLayer("{64}", "", layers);
    first.train();
    second.train();
    float[] x = new float[4 * 64];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 7) - 3f;
    }
    Workspace w1 = first.newWorkspace(4);
    Workspace w2 = second.newWorkspace(4);
    float[] a = first.forward(w1, x, 4).clone();
    assertWithMessage("two models of one @Network seed draw the same masks")
        .that(second.forward(w2, x, 4)).isEqualTo(a);
    float[] next = first.forward(w1, x, 4).clone();
    assertWithMessage("the next pass draws new masks").that(next).isNotEqualTo(a);
    long state = w1.rng().state();
    float[] again = first.forward(w1, x, 4).clone();
    w1.rng().setState(state);
    assertWithMessage("restoring the generator's state repeats the masks")
        .that(first.forward(w1, x, 4)).isEqualTo(again);
  }

  @Test
  void rreluDrawsSlopesUniformlyInTrainingAndUsesTheirMeanInInference() {
    double lower = 0.1;
    double upper = 0.4;
    Model model = TestNetworks.oneLayer("{1000}", "",
        "@RReLU(lower = " + lower + ", upper = " + upper + ") ActivationLayer act();");
    int batch = 50;
    int n = batch * 1000;
    float[] x = filled(n, -1f);
    for (int i = 0; i < n; i += 10) {
      x[i] = 2f; // positive values pass unchanged
    }
    Workspace ws = model.newWorkspace(batch);
    model.train();
    float[] y = model.forward(ws, x, batch);
    double sum = 0;
    int count = 0;
    int belowMiddle = 0;
    double middle = (lower + upper) / 2;
    for (int i = 0; i < n; i++) {
      if (x[i] > 0) {
        assertThat(y[i]).isEqualTo(2f);
        continue;
      }
      double slope = -y[i];
      assertWithMessage("slope %s", i).that(slope).isAtLeast(lower - 1e-7);
      assertWithMessage("slope %s", i).that(slope).isAtMost(upper + 1e-7);
      sum += slope;
      count++;
      belowMiddle += slope < middle ? 1 : 0;
    }
    double sd = (upper - lower) / Math.sqrt(12);
    assertWithMessage("mean slope").that(sum / count).isWithin(SIGMAS * sd / Math.sqrt(count)).of(middle);
    assertWithMessage("fraction of slopes below the middle").that((double) belowMiddle / count)
        .isWithin(SIGMAS * 0.5 / Math.sqrt(count)).of(0.5);
    float[] g = filled(n, 1f);
    float[] gx = model.backward(ws, g);
    for (int i = 0; i < n; i++) {
      assertWithMessage("gradient %s is the drawn slope", i).that(gx[i]).isEqualTo(x[i] > 0 ? 1f : -y[i]);
    }
    model.eval();
    y = model.forward(ws, x, batch);
    for (int i = 0; i < n; i++) {
      assertThat(y[i]).isEqualTo(x[i] > 0 ? 2f : (float) -middle);
    }
  }

  @Test
  void stochasticPoolingPicksInProportionToTheValues() {
    // 100 windows of 2x2 per sample, each holding 1, 2, 3, 4.
    int windows = 100;
    Model model = TestNetworks.oneLayer("{1, 2, " + 2 * windows + "}", "",
        "@Pool(size = 2, mode = PoolMode.STOCHASTIC) PoolLayer pool();");
    int batch = 100;
    float[] x = new float[batch * 4 * windows];
    for (int n = 0; n < batch; n++) {
      for (int w = 0; w < windows; w++) {
        int o = n * 4 * windows;
        x[o + 2 * w] = 1;
        x[o + 2 * w + 1] = 2;
        x[o + 2 * windows + 2 * w] = 3;
        x[o + 2 * windows + 2 * w + 1] = 4;
      }
    }
    Workspace ws = model.newWorkspace(batch);
    model.train();
    float[] y = model.forward(ws, x, batch);
    int total = batch * windows;
    int[] picked = new int[5];
    for (int i = 0; i < total; i++) {
      picked[(int) y[i]]++;
    }
    for (int v = 1; v <= 4; v++) {
      double q = v / 10.0;
      assertWithMessage("fraction of windows picking %s", v).that((double) picked[v] / total)
          .isWithin(SIGMAS * Math.sqrt(q * (1 - q) / total)).of(q);
    }
    float[] gx = model.backward(ws, filled(total, 1f));
    double routed = 0;
    for (int i = 0; i < x.length; i++) {
      routed += gx[i];
    }
    assertWithMessage("each window routes its gradient to one value").that(routed).isEqualTo((double) total);
    model.eval();
    y = model.forward(ws, x, batch);
    for (int i = 0; i < total; i++) {
      // sum a^2 / sum a = 30 / 10
      assertThat((double) y[i]).isWithin(1e-6).of(3.0);
    }
  }

  @Test
  void stochasticPoolingNeverPicksANonPositiveValue() {
    Model model = TestNetworks.oneLayer("{1, 2, 4}", "",
        "@Pool(size = 2, mode = PoolMode.STOCHASTIC) PoolLayer pool();");
    // Window 1: -1, 2, 0, 2 (only the 2s count); window 2: nothing positive.
    float[] x = {-1, 2, -3, -4, 0, 2, 0, -1};
    Workspace ws = model.newWorkspace(1);
    model.train();
    for (int round = 0; round < 50; round++) {
      float[] y = model.forward(ws, x, 1);
      assertThat(y[0]).isEqualTo(2f);
      assertThat(y[1]).isEqualTo(0f);
    }
    model.eval();
    float[] y = model.forward(ws, x, 1);
    assertThat(y[0]).isEqualTo(2f); // (4 + 4) / (2 + 2)
    assertThat(y[1]).isEqualTo(0f);
  }

  @Test
  void batchNormInTrainingRefusesABatchOfOneVector() {
    Model model =
        TestNetworks.oneLayer("{4}", "", "@Dense(units = 3) DenseLayer fc(); @BatchNorm BatchNormLayer bn();");
    model.train();
    Workspace ws = model.newWorkspace(2);
    float[] runningMean = model.parameter("bn.running_mean").value().clone();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> model.forward(ws, new float[] {1, 2, 3, 4}, 1));
    assertThat(e).hasMessageThat().isEqualTo("bn: batch norm in training mode needs more than one value per channel"
        + " to compute a variance, but a batch of 1 of 3 has one; train with batches of at least 2, or call eval() to"
        + " use the running statistics");
    assertWithMessage("nothing moved").that(model.parameter("bn.running_mean").value()).isEqualTo(runningMean);
    assertThat(model.parameter("bn.num_batches_tracked").value()[0]).isEqualTo(0f);
    model.eval();
    assertThat(model.forward(ws, new float[] {1, 2, 3, 4}, 1)).hasLength(6);
  }

  @Test
  void batchNormOfAnImageTrainsOnABatchOfOneAsPyTorchDoes() {
    Model model = TestNetworks.oneLayer("{2, 3, 3}", "", "@BatchNorm BatchNormLayer bn();");
    model.train();
    float[] x = new float[18];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    float[] y = model.forward(model.newWorkspace(1), x, 1);
    double mean = 0;
    for (int i = 0; i < 9; i++) {
      mean += y[i];
    }
    assertThat(mean / 9).isWithin(1e-6).of(0.0);
  }

  @Test
  void batchNormUpdatesRunningStatisticsOnlyInTraining() {
    Model model = TestNetworks.oneLayer("{2, 2, 2}", "", "@BatchNorm(momentum = 0.5) BatchNormLayer bn();");
    float[] x = {1, 2, 3, 4, 10, 10, 10, 10, 3, 4, 5, 6, 20, 20, 20, 20};
    Workspace ws = model.newWorkspace(2);
    float[] eval = model.forward(ws, x, 2).clone();
    assertWithMessage("inference with fresh statistics: (x - 0) / sqrt(1 + eps)")
        .that((double) eval[0]).isWithin(1e-5).of(1.0);
    assertThat(model.parameter("bn.running_mean").value()).isEqualTo(new float[] {0, 0});
    model.train();
    model.forward(ws, x, 2);
    model.forward(ws, x, 2);
    // Channel 0 holds 1..6 (mean 3.5, unbiased variance 3.5 of 8 values [1,2,3,4,3,4,5,6]): after two steps of
    // momentum 0.5, the running mean is 0.75 * 3.5.
    double mean0 = (1 + 2 + 3 + 4 + 3 + 4 + 5 + 6) / 8.0;
    double var0 = 0;
    for (double v : new double[] {1, 2, 3, 4, 3, 4, 5, 6}) {
      var0 += (v - mean0) * (v - mean0);
    }
    var0 /= 7;
    assertThat((double) model.parameter("bn.running_mean").value()[0]).isWithin(1e-5).of(0.75 * mean0);
    assertThat((double) model.parameter("bn.running_var").value()[0]).isWithin(1e-5).of(0.25 + 0.75 * var0);
    assertThat(model.parameter("bn.num_batches_tracked").value()[0]).isEqualTo(2f);
    model.eval();
    float[] before = model.parameter("bn.running_var").value().clone();
    model.forward(ws, x, 2);
    assertThat(model.parameter("bn.running_var").value()).isEqualTo(before);
    assertThat(model.parameter("bn.num_batches_tracked").value()[0]).isEqualTo(2f);
  }
}
