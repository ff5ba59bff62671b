package dev.kiln.samples;

import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.Evaluation;
import dev.kiln.runtime.train.Trainer;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * End to end on the real data: the generated LeNet-5, trained for one epoch on all 60,000 Fashion-MNIST training
 * images with PyTorch's reference recipe (Adam, lr 1e-3, batch 64, seed 1), reaches at least 0.80 test accuracy
 * (PyTorch after one epoch: 0.813-0.825 over three seeds). Needs the full set, which the CI script installs
 * ({@code dataset-fashion-mnist}); without it the tests are skipped, not failed. The MLP likewise, below.
 */
class FullDataTrainingTest {
  @Test
  void oneEpochOnFullFashionMnistReachesPyTorchAccuracy() throws IOException {
    Evaluation test = train(new Kiln_LeNet5(), 1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    assertWithMessage("test accuracy after one epoch (%s)", test).that(test.accuracy()).isAtLeast(0.80);
  }

  /**
   * The generated MLP (784-256-128-10), the same recipe for three epochs on two threads, which split its first layer
   * by outputs ({@code Model.splitUnits}): PyTorch reaches 0.866-0.869 after three epochs over three seeds, and
   * Kiln must reach at least 0.855 (0.8745 here). This is the end-to-end figure on the real data, not the test of
   * the split's arithmetic: an MLP whose first layer kept half its rows at their initial values still reached 0.868
   * (a deliberate break, tried once); the split's bits and steps are compared with one thread's in {@code
   * FirstLayerSplitTest}, {@code TrainerTest} and {@code KilnBenchTest}.
   */
  @Test
  void mlpTrainedOnTwoThreadsReachesPyTorchAccuracy() throws IOException {
    Model model = new Kiln_Mlp();
    assertWithMessage("the MLP's first layer splits").that(model.splitUnits()).isEqualTo(256);
    Evaluation test = train(model, 3, 2);
    assertWithMessage("MLP test accuracy after three epochs (%s)", test).that(test.accuracy()).isAtLeast(0.855);
  }

  /**
   * Trains {@code model} with PyTorch's recipe (Adam, lr 1e-3, batch 64, seed 1) on the full training set and
   * evaluates it on the test set; skips the test where the full set is not installed.
   */
  private static Evaluation train(Model model, int epochs, int threads) throws IOException {
    assumeTrue(FashionData.systemInstalled(), "skipped: the full Fashion-MNIST is not installed at "
        + FashionMnist.SYSTEM_DIR + " (apt-get install dataset-fashion-mnist; .ci/run does this)");
    FashionMnist data = FashionMnist.load(FashionMnist.SYSTEM_DIR);
    long start = System.nanoTime();
    try (Trainer trainer = Trainer.builder(model)
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), 1e-3))
        .epochs(epochs).batchSize(64).seed(1)
        .threads(threads)
        .build()) {
      trainer.fit(data.train());
    }
    Evaluation test = Evaluation.evaluate(model, data.test());
    System.out.printf("%s, %d epoch(s) on %d images, %d threads: test accuracy %.4f in %.1f s%n", model.name(),
        epochs, data.train().size(), threads, test.accuracy(), (System.nanoTime() - start) * 1e-9);
    return test;
  }
}
