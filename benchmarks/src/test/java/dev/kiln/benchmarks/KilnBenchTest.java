package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kiln benchmarks compute what they claim: on two threads the same outputs and the same steps as on one, so the
 * 2-thread timings are of the same work, and the training step is the recipe's ({@code Trainer.fit}'s batch).
 */
class KilnBenchTest {
  private static KilnBench bench(String net, int threads) {
    KilnBench b = new KilnBench();
    b.net = net;
    b.threads = threads;
    b.setUp();
    return b;
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "lenet5"})
  void twoThreadsInferTheSameAsOne(String net) {
    KilnBench one = bench(net, 1);
    KilnBench two = bench(net, 2);
    try {
      float[] expected = one.inferenceOutput().clone();
      float[] actual = two.inferenceOutput();
      for (int i = 0; i < 64 * Inputs.CLASSES; i++) {
        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
            "sample " + i / Inputs.CLASSES + " output " + i % Inputs.CLASSES);
      }
    } finally {
      one.tearDown();
      two.tearDown();
    }
  }

  /**
   * Three training steps on two threads (the split reduction, Adam and repacking of the transposed weights, then the
   * next forward pass) reach the weights of three steps on one: a gradient left unzeroed or a stale transposed
   * weight would move them by up to the learning rate (1e-3).
   */
  @ParameterizedTest
  @ValueSource(strings = {"mlp", "lenet5"})
  void twoThreadsTakeTheStepsOfOne(String net) {
    KilnBench one = bench(net, 1);
    KilnBench two = bench(net, 2);
    try {
      for (int step = 0; step < 3; step++) {
        double lossOne = one.trainStepBatch64();
        double lossTwo = two.trainStepBatch64();
        assertEquals(lossOne, lossTwo, 1e-5 * Math.abs(lossOne), "loss of step " + step);
      }
      List<Parameter> a = one.trainingModel().parameters();
      List<Parameter> b = two.trainingModel().parameters();
      for (int i = 0; i < a.size(); i++) {
        float[] wa = a.get(i).value();
        float[] wb = b.get(i).value();
        for (int j = 0; j < wa.length; j++) {
          assertEquals(wa[j], wb[j], 2e-5f, a.get(i).name() + "[" + j + "]");
        }
      }
    } finally {
      one.tearDown();
      two.tearDown();
    }
  }

  /**
   * The benchmark's step is the recipe's: two of them leave the weights, bit for bit, that {@code Trainer.fit} leaves
   * after two epochs of the same 64 images (batch 64, no shuffling, Adam lr 1e-3), on one thread and on two; and
   * they move the weights (a step that did nothing would time nothing).
   */
  @ParameterizedTest
  @CsvSource({"mlp, 1", "mlp, 2", "lenet5, 1", "lenet5, 2"})
  void trainStepIsTheTrainersStep(String net, int threads) {
    KilnBench bench = bench(net, threads);
    Model model = Nets.kiln(net).train();
    float first = model.parameters().get(0).value()[0];
    Dataset images =
        Dataset.classification(Inputs.pixels(64), model.inputShape(), Inputs.labels(64), Inputs.CLASSES);
    try (Trainer trainer = Trainer.builder(model)
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), 1e-3))
        .epochs(2)
        .batchSize(64)
        .shuffle(false)
        .threads(threads)
        .build()) {
      trainer.fit(images);
      bench.trainStepBatch64();
      bench.trainStepBatch64();
      List<Parameter> expected = bench.trainingModel().parameters();
      List<Parameter> actual = model.parameters();
      assertEquals(expected.size(), actual.size());
      assertNotEquals(first, expected.get(0).value()[0], "the steps left the first weight as it was");
      for (int i = 0; i < expected.size(); i++) {
        float[] e = expected.get(i).value();
        float[] a = actual.get(i).value();
        for (int j = 0; j < e.length; j++) {
          assertEquals(Float.floatToRawIntBits(e[j]), Float.floatToRawIntBits(a[j]),
              expected.get(i).name() + "[" + j + "]: " + e[j] + " against the trainer's " + a[j]);
        }
      }
    } finally {
      bench.tearDown();
    }
  }

  /** Callers outside JMH (AllocationProbe, PairedSteps) set the two parameters and call set-up themselves. */
  @Test
  void runsOutsideJmh() {
    KilnBench b = bench("mlp", 2);
    try {
      double loss = b.trainStepBatch64();
      assertEquals(Math.log(10), loss, 0.5, "the first step's loss is near ln 10 for ten classes");
    } finally {
      b.tearDown();
    }
  }
}
