package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.io.Weights;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.Evaluation;
import dev.kiln.runtime.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LeNet-5 with batch norm trained for real, then evaluated with its batch norms folded into the convolutions (the
 * default outside training): the folded copies must follow the weights and the running statistics the training
 * passes moved, so the accuracy is that of a trained net, and a reloaded model gives the same predictions.
 */
class TrainLeNet5BnTest {
  @Test
  void trainsAndEvaluatesFolded(@TempDir Path dir) throws IOException {
    FashionMnist shipped = FashionData.shipped();
    Model model = new Kiln_LeNet5Bn();
    Evaluation untrained = Evaluation.evaluate(model, shipped.test().head(1_000));
    try (Trainer trainer = Trainer.builder(model)
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), 1e-3))
        .epochs(1).batchSize(64).seed(1)
        .build()) {
      trainer.fit(shipped.train().head(2_000));
    }
    assertThat(model.isTraining()).isFalse();
    Parameter runningVar = model.parameter("bn2.running_var");
    assertThat(runningVar.value()[0]).isNotEqualTo(1f); // the training passes moved the statistics
    Evaluation trained = Evaluation.evaluate(model, shipped.test().head(1_000));
    assertThat(untrained.accuracy()).isLessThan(0.3);
    assertThat(trained.accuracy()).isGreaterThan(0.6); // one epoch on 2,000 images: far above chance (0.1)

    Path file = dir.resolve("lenet5bn.safetensors");
    Weights.save(model, file);
    Model reloaded = new Kiln_LeNet5Bn();
    Weights.load(reloaded, file);
    assertThat(Evaluation.evaluate(reloaded, shipped.test().head(1_000)).accuracy()).isEqualTo(trained.accuracy());
  }
}
