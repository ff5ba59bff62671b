package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The Kiln benchmarks compute what they claim: on two threads, the same outputs and the same gradients (those of
 * the mean loss over the whole batch) as on one, so the 2-thread timings are of the same work.
 */
class KilnBenchTest {
  private static KilnBench bench(String net, int threads) {
    return bench(net, threads, "auto");
  }

  private static KilnBench bench(String net, int threads, String firstLayerSplit) {
    KilnBench b = new KilnBench();
    b.net = net;
    b.threads = threads;
    b.firstLayerSplit = firstLayerSplit;
    b.setUp();
    return b;
  }

  /**
   * Callers outside JMH (AllocationProbe, PairedSteps) set only the parameters they name; the others must default as
   * JMH would set them (an unset split parameter once stopped a full run at its allocation probe).
   */
  @Test
  void setsUpWithTheDefaultsOutsideJmh() {
    KilnBench b = new KilnBench();
    b.net = "mlp";
    b.threads = 2;
    b.setUp();
    try {
      assertEquals(2, b.splitParameters(), "the MLP's first layer is split as the trainer splits it");
    } finally {
      b.tearDown();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "lenet5"})
  void twoThreadsInferTheSameAsOne(String net) {
    KilnBench one = bench(net, 1);
    KilnBench two = bench(net, 2);
    try {
      one.throughputBatch64();
      two.throughputBatch64();
      int half = 32 * Inputs.CLASSES;
      for (int p = 0; p < 2; p++) {
        float[] expected = one.inferenceOutput(0);
        float[] actual = two.inferenceOutput(p);
        for (int i = 0; i < half; i++) {
          float e = expected[p * half + i];
          assertEquals(e, actual[i], 1e-5f * Math.max(1f, Math.abs(e)), "part " + p + " value " + i);
        }
      }
    } finally {
      one.tearDown();
      two.tearDown();
    }
  }

  /** Every way of splitting the MLP's first layer (see {@link KilnBench#firstLayerSplit}), and LeNet-5's batch. */
  @ParameterizedTest
  @CsvSource({"mlp, auto", "mlp, full", "mlp, gradient", "mlp, none", "lenet5, auto"})
  void twoThreadsComputeTheGradientsOfOne(String net, String split) {
    KilnBench one = bench(net, 1);
    KilnBench two = bench(net, 2, split);
    try {
      // Both models hold the weights of the same seed; setUp left their gradients at zero.
      float lossOne = one.gradients();
      float lossTwo = two.gradients();
      assertEquals(lossOne, lossTwo, 1e-5f * Math.abs(lossOne));
      List<Parameter> a = one.trainingModel().parameters();
      List<Parameter> b = two.trainingModel().parameters();
      for (int i = 0; i < a.size(); i++) {
        float[] ga = a.get(i).grad();
        float[] gb = b.get(i).grad();
        float scale = 0;
        for (float g : ga) {
          scale = Math.max(scale, Math.abs(g));
        }
        assertTrue(scale > 0, a.get(i).name() + " has no gradient");
        for (int j = 0; j < ga.length; j++) {
          assertEquals(ga[j], gb[j], 1e-4f * scale, a.get(i).name() + "[" + j + "]");
        }
      }
    } finally {
      one.tearDown();
      two.tearDown();
    }
  }

  /**
   * Three whole training steps on two threads (split reduction, Adam and repacking of the transposed weights, then
   * the next forward pass) reach the weights of three steps on one: a gradient left unzeroed or a stale transposed
   * weight would move them by up to the learning rate (1e-3).
   */
  @ParameterizedTest
  @CsvSource({"mlp, auto", "mlp, full", "mlp, gradient", "mlp, none", "lenet5, auto"})
  void twoThreadsTakeTheStepsOfOne(String net, String split) {
    KilnBench one = bench(net, 1);
    KilnBench two = bench(net, 2, split);
    try {
      for (int step = 0; step < 3; step++) {
        float lossOne = one.trainStepBatch64();
        float lossTwo = two.trainStepBatch64();
        assertEquals(lossOne, lossTwo, 1e-5f * Math.abs(lossOne), "loss of step " + step);
      }
      List<Parameter> a = one.trainingModel().parameters();
      List<Parameter> b = two.trainingModel().parameters();
      for (int i = 0; i < a.size(); i++) {
        float[] wa = a.get(i).value();
        float[] wb = b.get(i).value();
        for (int j = 0; j < wa.length; j++) {
          assertEquals(wa[j], wb[j], 2e-5f, a.get(i).name() + "[" + j + "]");
        }
        if (i < two.splitParameters()) {
          continue; // set, not added to, by the next step: the weights above show it was not left stale
        }
        for (float g : b.get(i).grad()) {
          assertEquals(0f, g, b.get(i).name() + " gradient left after the step");
        }
      }
    } finally {
      one.tearDown();
      two.tearDown();
    }
  }

  /**
   * {@code KilnBench} keeps its own copy of the trainer's data-parallel step (the trainer's batch engine is not
   * public), so its timings stand for {@link Trainer} only while the two compute the same: two steps of the trainer on
   * the same 64 images (batch 64, no shuffling, Adam lr 1e-3) leave the weights, bit for bit, that two of {@link
   * KilnBench#trainStepBatch64} leave, on one thread and on two.
   */
  @ParameterizedTest
  @CsvSource({"mlp, 1", "mlp, 2", "lenet5, 1", "lenet5, 2"})
  void trainStepIsTheTrainersStep(String net, int threads) {
    KilnBench bench = bench(net, threads);
    Model model = Nets.kiln(net).train();
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
}
