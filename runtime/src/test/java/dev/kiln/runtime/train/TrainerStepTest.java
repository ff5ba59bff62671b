package dev.kiln.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Shape;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.loss.MeanSquaredError;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.SGD;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Trainer#step}: one of {@link Trainer#fit}'s batches, in a loop of the caller's. */
class TrainerStepTest {
  private static Trainer.Builder classifier(LinearModel model, int threads) {
    return Trainer.builder(model).loss(new SoftmaxCrossEntropy()).optimizer(new SGD(model.parameters(), 0.1))
        .threads(threads).seed(9);
  }

  private static float[][] weights(LinearModel m) {
    return new float[][] {m.weight().clone(), m.bias().clone()};
  }

  /** The data set cut into its batches of {@code size}, in order, each a view of arrays of its own. */
  private static List<Batch> batches(Dataset data, int size) {
    List<Batch> out = new ArrayList<>();
    int w = data.sampleSize();
    for (int from = 0; from < data.size(); from += size) {
      int to = Math.min(data.size(), from + size);
      out.add(Batch.ofLabels(data.shape(), Arrays.copyOfRange(data.features(), from * w, to * w),
          Arrays.copyOfRange(data.labels(), from, to)));
    }
    return out;
  }

  /**
   * Steps over a data set's batches in order reach, bit for bit, the weights of {@code fit} over the same batches
   * unshuffled, with the same mean loss per epoch: on one thread and on several, with the batch split by samples
   * (the last batch of 4 leaves a shard of 3 threads empty) and with the first layer split by outputs.
   */
  @Test
  void stepsAreFitsBatches() {
    Dataset data = TrainerTest.blobs(40, 5);
    for (int threads : new int[] {1, 2, 3}) {
      for (boolean splittable : new boolean[] {false, true}) {
        LinearModel fitted = splittable ? LinearModel.splittable(2, 96, 3, true) : new LinearModel(2, 3, 3);
        LinearModel stepped = splittable ? LinearModel.splittable(2, 96, 3, true) : new LinearModel(2, 3, 3);
        TrainingHistory history;
        try (Trainer t = classifier(fitted, threads).epochs(2).batchSize(12).shuffle(false).build()) {
          history = t.fit(data);
        }
        List<Batch> batches = batches(data, 12);
        try (Trainer t = classifier(stepped, threads).build()) {
          for (int epoch = 0; epoch < 2; epoch++) {
            double sum = 0;
            for (Batch b : batches) {
              sum += t.step(b) * b.size();
            }
            String what = threads + " threads, split " + splittable + ", epoch " + (epoch + 1);
            assertWithMessage("mean loss, %s", what).that(sum / data.size())
                .isWithin(1e-12).of(history.trainLoss()[epoch]);
          }
        }
        assertWithMessage("%s threads, split %s", threads, splittable).that(weights(stepped))
            .isEqualTo(weights(fitted));
        if (splittable && threads > 1) {
          assertThat(stepped.splitGradientCalls.get()).isGreaterThan(0);
        }
        assertThat(stepped.isTraining()).isTrue();
      }
    }
  }

  /** A loss on float targets takes the batch's targets ({@link Batch#ofTargets}), as {@code fit} does. */
  @Test
  void stepsOnTargetsAreFitsBatches() {
    int n = 32;
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i / 16f - 1;
      y[i] = 2 * x[i] + 1;
    }
    for (int threads : new int[] {1, 2}) {
      LinearModel fitted = new LinearModel(1, 1, 4);
      LinearModel stepped = new LinearModel(1, 1, 4);
      try (Trainer t = Trainer.builder(fitted).loss(new MeanSquaredError()).optimizer(new SGD(fitted.parameters(), 0.3))
          .threads(threads).epochs(5).batchSize(n).build()) {
        t.fit(Dataset.regression(x, Shape.of(1), y, 1));
      }
      Batch batch = Batch.ofTargets(Shape.of(1), x, y, 1);
      try (Trainer t = Trainer.builder(stepped).loss(new MeanSquaredError())
          .optimizer(new SGD(stepped.parameters(), 0.3)).threads(threads).build()) {
        double first = t.step(batch);
        double last = first;
        for (int s = 1; s < 5; s++) {
          last = t.step(batch);
        }
        assertThat(last).isLessThan(first);
      }
      assertWithMessage("%s threads", threads).that(weights(stepped)).isEqualTo(weights(fitted));
    }
  }

  @Test
  void batchesThatDoNotFitTheModelOrLossAreRefused() {
    LinearModel m = new LinearModel(2, 3, 4);
    float[][] before = weights(m);
    try (Trainer t = classifier(m, 1).build()) {
      IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
          () -> t.step(Batch.ofLabels(Shape.of(3), new float[6], new int[] {0, 1})));
      assertThat(shape).hasMessageThat().contains("Linear takes");
      IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
          () -> t.step(Batch.ofLabels(Shape.of(2), new float[4], new int[] {0, 3})));
      assertThat(label).hasMessageThat().contains("label 1 is class 3, Linear outputs classes 0 to 2");
      // A batch made with valid labels and refilled with a bad one is refused at the step, not half-trained.
      int[] labels = {0, 1};
      Batch refilled = Batch.ofLabels(Shape.of(2), new float[4], labels);
      labels[0] = -1;
      IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> t.step(refilled));
      assertThat(negative).hasMessageThat().contains("label 0 is class -1");
    }
    try (Trainer t = Trainer.builder(m).loss(new MeanSquaredError()).optimizer(new SGD(m.parameters(), 0.1))
        .build()) {
      IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
          () -> t.step(Batch.ofLabels(Shape.of(2), new float[4], new int[] {0, 1})));
      assertThat(labels).hasMessageThat().contains("Batch.ofTargets");
      IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
          () -> t.step(Batch.ofTargets(Shape.of(2), new float[4], new float[4], 2)));
      assertThat(width).hasMessageThat().contains("2 targets per sample, Linear outputs 3");
    }
    assertThat(weights(m)).isEqualTo(before);
    IllegalArgumentException features = assertThrows(IllegalArgumentException.class,
        () -> Batch.ofLabels(Shape.of(2), new float[5], new int[] {0, 1}));
    assertThat(features).hasMessageThat().contains("features hold 5 values; 2 samples of");
    assertThrows(IllegalArgumentException.class, () -> Batch.ofLabels(Shape.of(2), new float[4], new int[] {0, -1}));
    assertThrows(IllegalArgumentException.class, () -> Batch.ofLabels(Shape.of(2), new float[0], new int[0]));
    assertThrows(IllegalArgumentException.class, () -> Batch.ofTargets(Shape.of(2), new float[4], new float[5], 2));
  }

  /** A step whose loss is NaN says which step and which sample, and leaves the weights as the step before left them. */
  @Test
  void aDivergedStepNamesItselfAndLeavesTheWeights() {
    for (int threads : new int[] {1, 2}) {
      LinearModel m = new LinearModel(2, 3, 4);
      float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
      Batch batch = Batch.ofLabels(Shape.of(2), x, new int[] {0, 1, 2, 0});
      try (Trainer t = classifier(m, threads).build()) {
        t.step(batch);
        float[][] before = weights(m);
        x[5] = Float.NaN; // sample 2, value 1: in the second shard on two threads
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.step(batch));
        assertThat(e.epoch()).isEqualTo(0);
        assertThat(e.batch()).isEqualTo(2);
        assertThat(e).hasMessageThat().contains("training diverged at step 2: the loss is NaN");
        assertThat(e).hasMessageThat().contains("sample 2 of the batch, value 1");
        assertThat(weights(m)).isEqualTo(before);
      }
    }
  }

  /** After the first steps, a step allocates nothing, on the caller or the trainer's worker. */
  @Test
  void stepsAllocateNothing() {
    List<Thread> before = TrainerTest.workers();
    LinearModel m = LinearModel.splittable(16, 64, 3, false);
    float[] x = new float[32 * 16];
    int[] y = new int[32];
    for (int i = 0; i < y.length; i++) {
      y[i] = i % 3;
      x[16 * i + y[i]] = 1;
    }
    Batch batch = Batch.ofLabels(Shape.of(16), x, y);
    try (Trainer t = classifier(m, 2).checkFinite(true).clipGradientNorm(10).build()) {
      List<Thread> threads = new ArrayList<>(TrainerTest.workers());
      threads.removeAll(before);
      threads.add(Thread.currentThread());
      for (int s = 0; s < 200; s++) {
        t.step(batch);
      }
      long start = TrainerTest.allocated(threads);
      for (int s = 0; s < 500; s++) {
        t.step(batch);
      }
      long perStep = (TrainerTest.allocated(threads) - start) / 500;
      assertThat(perStep).isLessThan(16L);
    }
  }
}
