package dev.kiln.runtime.train;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Shape;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Augmentations;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.loss.MeanSquaredError;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.LearningRateSchedule;
import dev.kiln.runtime.optim.SGD;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
  /** Three Gaussian blobs in the plane, centred at (-2, 0), (2, 0) and (0, 3): nearly linearly separable. */
  static Dataset blobs(int n, long seed) {
    Rng rng = new Rng(seed);
    float[] x = new float[2 * n];
    int[] y = new int[n];
    float[][] centres = {{-2, 0}, {2, 0}, {0, 3}};
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      x[2 * i] = centres[y[i]][0] + (float) (0.5 * rng.nextGaussian());
      x[2 * i + 1] = centres[y[i]][1] + (float) (0.5 * rng.nextGaussian());
    }
    return Dataset.classification(x, Shape.of(2), y, 3);
  }

  private static Trainer.Builder trainer(LinearModel model, double lr) {
    return Trainer.builder(model).loss(new SoftmaxCrossEntropy()).optimizer(new SGD(model.parameters(), lr));
  }

  private static float[][] weights(LinearModel m) {
    return new float[][] {m.weight().clone(), m.bias().clone()};
  }

  /**
   * A run on several threads reached the weights of one on one thread (up to the rounding of sums split across the
   * shards) with the same loss and accuracy in every epoch.
   */
  private static void assertSameTraining(LinearModel many, TrainingHistory manyHistory, LinearModel one,
      TrainingHistory oneHistory) {
    assertClose(weights(many), weights(one), 2e-5f);
    for (int e = 0; e < oneHistory.epochCount(); e++) {
      assertThat(manyHistory.trainLoss()[e]).isWithin(1e-5).of(oneHistory.trainLoss()[e]);
      assertThat(manyHistory.trainAccuracy()[e]).isEqualTo(oneHistory.trainAccuracy()[e]);
    }
  }

  private static void assertClose(float[][] a, float[][] b, float tolerance) {
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        assertThat(a[i][j]).isWithin(tolerance).of(b[i][j]);
      }
    }
  }

  @Test
  void learnsSeparableBlobs() {
    LinearModel model = new LinearModel(2, 3, 1);
    Dataset test = blobs(300, 99);
    try (Trainer t = trainer(model, 0.2).epochs(15).batchSize(16).seed(3).build()) {
      TrainingHistory h = t.fit(blobs(300, 1));
      assertThat(h.epochCount()).isEqualTo(15);
      assertThat(h.last().trainLoss()).isLessThan(h.epochs().get(0).trainLoss());
      assertThat(h.last().trainAccuracy()).isGreaterThan(0.95);
      assertThat(h.last().validationLoss()).isNaN();
      assertThat(model.isTraining()).isFalse();
      Evaluation e = t.evaluate(test);
      assertThat(e.accuracy()).isGreaterThan(0.95);
      assertThat(e.loss()).isLessThan(0.3);
      assertThat(e.confusion().total()).isEqualTo(300);
    }
  }

  /** Records batch sizes per epoch. */
  private static final class BatchSizes implements TrainingListener {
    final List<List<Integer>> epochs = new ArrayList<>();
    TrainingPlan plan;

    @Override
    public void onTrainingStart(TrainingPlan p) {
      plan = p;
    }

    @Override
    public void onBatchEnd(BatchProgress p) {
      if (p.batch() == 1) {
        epochs.add(new ArrayList<>());
      }
      epochs.get(epochs.size() - 1).add(p.batchSize());
    }
  }

  @Test
  void batchSizeModes() {
    Dataset data = blobs(30, 2);
    BatchSizes full = new BatchSizes();
    LinearModel m1 = new LinearModel(2, 3, 1);
    try (Trainer t = trainer(m1, 0.1).epochs(2).fullBatch().listener(full).build()) {
      t.fit(data);
      assertThat(full.epochs).containsExactly(List.of(30), List.of(30));
      assertThat(t.optimizer().stepCount()).isEqualTo(2);
      assertThat(full.plan.batchSize()).isEqualTo(30);
    }
    BatchSizes sgd = new BatchSizes();
    LinearModel m2 = new LinearModel(2, 3, 1);
    try (Trainer t = trainer(m2, 0.1).epochs(2).stochastic().listener(sgd).build()) {
      t.fit(data);
      assertThat(sgd.epochs).hasSize(2);
      assertThat(sgd.epochs.get(1)).hasSize(30);
      assertThat(t.optimizer().stepCount()).isEqualTo(60);
    }
    BatchSizes mini = new BatchSizes();
    try (Trainer t = trainer(new LinearModel(2, 3, 1), 0.1).epochs(1).batchSize(7).listener(mini).build()) {
      t.fit(data);
      assertThat(mini.epochs.get(0)).containsExactly(7, 7, 7, 7, 2).inOrder();
      assertThat(mini.plan.batchesPerEpoch()).isEqualTo(5);
    }
  }

  @Test
  void fullBatchStepIsPlainGradientDescent() {
    Dataset data = blobs(12, 4);
    LinearModel manual = new LinearModel(2, 3, 8);
    Workspace ws = manual.newWorkspace(12);
    float[] out = manual.forward(ws, data.features(), 12);
    float[] grad = new float[36];
    new SoftmaxCrossEntropy().compute(out, data.labels(), 12, 3, grad);
    manual.zeroGrad();
    manual.backward(ws, grad);
    new SGD(manual.parameters(), 0.5).step();

    LinearModel trained = new LinearModel(2, 3, 8);
    try (Trainer t = trainer(trained, 0.5).epochs(1).fullBatch().shuffle(false).build()) {
      t.fit(data);
    }
    assertThat(trained.weight()).isEqualTo(manual.weight());
    assertThat(trained.bias()).isEqualTo(manual.bias());
    // Split over three threads the sum is reassociated, so equal up to rounding.
    LinearModel parallel = new LinearModel(2, 3, 8);
    try (Trainer t = trainer(parallel, 0.5).epochs(1).fullBatch().threads(3).build()) {
      t.fit(data);
    }
    assertClose(weights(parallel), weights(manual), 1e-6f);
  }

  @Test
  void threadsGiveTheSameTrainingAsOneThread() {
    Dataset data = blobs(101, 5);
    for (int batch : new int[] {10, 2, 101}) { // 101 % 10 = 1: the last batch leaves shards empty; 2 < threads
      LinearModel one = new LinearModel(2, 3, 3);
      LinearModel four = new LinearModel(2, 3, 3);
      TrainingHistory h1;
      TrainingHistory h4;
      try (Trainer t = trainer(one, 0.1).epochs(3).batchSize(batch).seed(9).build()) {
        h1 = t.fit(data);
      }
      try (Trainer t = trainer(four, 0.1).epochs(3).batchSize(batch).seed(9).threads(4).build()) {
        h4 = t.fit(data);
      }
      assertSameTraining(four, h4, one, h1);
    }
  }

  /**
   * A model whose first layer may be split by outputs trains split that way on several threads (each thread a share
   * of the layer's outputs and of its weight gradient for the whole batch) and reaches the weights of one thread:
   * with its forward pass split or not, with 96 outputs in two or three shares, and with batches that leave shards
   * empty. A share missed, run twice or left stale would move them by the learning rate.
   */
  @Test
  void firstLayerSplitByOutputsTrainsAsOneThread() {
    Dataset data = blobs(101, 5);
    for (boolean splitsForward : new boolean[] {true, false}) {
      for (int threads : new int[] {2, 3}) {
        for (int batch : new int[] {10, 2, 101}) {
          LinearModel one = LinearModel.splittable(2, 96, 3, splitsForward);
          LinearModel split = LinearModel.splittable(2, 96, 3, splitsForward);
          TrainingHistory h1;
          TrainingHistory hs;
          try (Trainer t = trainer(one, 0.1).epochs(3).batchSize(batch).seed(9).build()) {
            h1 = t.fit(data);
          }
          try (Trainer t = trainer(split, 0.1).epochs(3).batchSize(batch).seed(9).threads(threads).build()) {
            hs = t.fit(data);
          }
          String what = "forward split " + splitsForward + ", " + threads + " threads, batch " + batch;
          assertWithMessage("one thread never splits, %s", what).that(one.splitGradientCalls.get()).isEqualTo(0);
          assertWithMessage("split weight gradients, %s", what).that(split.splitGradientCalls.get())
              .isEqualTo(3 * Math.min(threads, batch) * ((101 + batch - 1) / batch)); // a shard per thread or sample
          assertWithMessage("split forward passes, %s", what).that(split.splitForwardCalls.get())
              .isEqualTo(splitsForward ? split.splitGradientCalls.get() : 0);
          assertSameTraining(split, hs, one, h1);
        }
      }
    }
  }

  /**
   * Balanced threads ({@code balanceThreads}) reach the weights of one thread, up to rounding, over epochs whose last
   * batch is smaller, with and without the first layer split by outputs: wherever the timings put the cuts, every
   * sample is in exactly one shard and weighs as much.
   */
  @Test
  void balancedThreadsTrainAsOneThread() {
    Dataset data = blobs(250, 5);
    for (boolean splittable : new boolean[] {false, true}) {
      for (int threads : new int[] {2, 3}) {
        LinearModel one = splittable ? LinearModel.splittable(2, 96, 3, false) : new LinearModel(2, 3, 3);
        LinearModel balanced = splittable ? LinearModel.splittable(2, 96, 3, false) : new LinearModel(2, 3, 3);
        TrainingHistory h1;
        TrainingHistory hb;
        try (Trainer t = trainer(one, 0.1).epochs(4).batchSize(48).seed(9).build()) {
          h1 = t.fit(data);
        }
        try (Trainer t = trainer(balanced, 0.1).epochs(4).batchSize(48).seed(9).threads(threads)
            .balanceThreads(true).build()) {
          hb = t.fit(data);
        }
        assertSameTraining(balanced, hb, one, h1);
      }
    }
  }

  /** Batches over BatchEngine.SPLIT_MAX_BATCH are split by samples only, so shard workspaces stay a share's size. */
  @Test
  void largeBatchesAreNotSplitByOutputs() {
    Dataset data = blobs(BatchEngine.SPLIT_MAX_BATCH + 44, 5);
    LinearModel one = LinearModel.splittable(2, 96, 3, true);
    LinearModel two = LinearModel.splittable(2, 96, 3, true);
    try (Trainer t = trainer(one, 0.1).epochs(2).fullBatch().seed(9).build()) {
      t.fit(data);
    }
    try (Trainer t = trainer(two, 0.1).epochs(2).fullBatch().seed(9).threads(2).build()) {
      t.fit(data);
    }
    assertThat(two.splitGradientCalls.get()).isEqualTo(0);
    assertThat(two.splitForwardCalls.get()).isEqualTo(0);
    assertClose(weights(two), weights(one), 2e-5f);
  }

  @Test
  void seedsRepeatRuns() {
    Dataset data = blobs(60, 6);
    float[][][] results = new float[3][][];
    long[] seeds = {1, 1, 2};
    for (int i = 0; i < 3; i++) {
      LinearModel m = new LinearModel(2, 3, 3);
      try (Trainer t = trainer(m, 0.1).epochs(2).batchSize(8).seed(seeds[i]).validationSplit(0.25)
          .augmentation((images, count, shape, rng) -> {
            for (int k = 0; k < count * shape.size(); k++) {
              images[k] += (float) (0.01 * rng.nextGaussian());
            }
          }).build()) {
        t.fit(data);
      }
      results[i] = weights(m);
    }
    assertThat(results[1]).isEqualTo(results[0]);
    assertThat(results[2][0]).isNotEqualTo(results[0][0]);
  }

  /** Copies the weights at the end of every epoch. */
  private static final class Snapshots implements TrainingListener {
    final LinearModel model;
    final List<float[][]> byEpoch = new ArrayList<>();

    Snapshots(LinearModel model) {
      this.model = model;
    }

    @Override
    public void onEpochEnd(EpochResult r) {
      byEpoch.add(weights(model));
    }
  }

  @Test
  void earlyStoppingRestoresTheBestEpochsWeights() {
    Dataset train = blobs(90, 7);
    // Validation labels rotated by one class: the better the model fits the training set, the worse it does here,
    // so the validation loss bottoms out early while training goes on improving.
    Dataset valid = blobs(30, 8);
    int[] wrong = valid.labels().clone();
    for (int i = 0; i < wrong.length; i++) {
      wrong[i] = (wrong[i] + 1) % 3;
    }
    valid = Dataset.classification(valid.features(), valid.shape(), wrong, 3);
    LinearModel model = new LinearModel(2, 3, 2);
    Snapshots snapshots = new Snapshots(model);
    TrainingHistory h;
    try (Trainer t = trainer(model, 0.05).epochs(30).batchSize(10).validation(valid).earlyStopping(3)
        .listener(snapshots).build()) {
      h = t.fit(train);
    }
    double[] vl = h.validationLoss();
    int argmin = 0;
    for (int e = 1; e < vl.length; e++) {
      if (vl[e] < vl[argmin]) {
        argmin = e;
      }
    }
    assertThat(h.monitor()).isEqualTo(Monitor.VALIDATION_LOSS);
    assertThat(h.bestEpoch()).isEqualTo(argmin + 1);
    assertThat(h.stoppedEarly()).isTrue();
    assertThat(h.epochCount()).isEqualTo(h.bestEpoch() + 3);
    assertThat(h.restoredBest()).isTrue();
    assertThat(h.best().improved()).isTrue();
    assertThat(h.last().improved()).isFalse();
    // The model holds exactly the best epoch's weights, not the last epoch's.
    assertThat(weights(model)).isEqualTo(snapshots.byEpoch.get(h.bestEpoch() - 1));
    assertThat(weights(model)[0]).isNotEqualTo(snapshots.byEpoch.get(h.epochCount() - 1)[0]);
    assertThat(h.toString()).contains("best");
  }

  @Test
  void minDeltaAndMonitorChoice() {
    Dataset data = blobs(60, 9);
    LinearModel m = new LinearModel(2, 3, 2);
    Snapshots snapshots = new Snapshots(m);
    try (Trainer t = trainer(m, 0.1).epochs(10).batchSize(10).earlyStopping(2, 1e9).listener(snapshots).build()) {
      TrainingHistory h = t.fit(data);
      // No later epoch beats the first by 1e9: it stops after 1 + patience epochs and goes back to epoch 1.
      assertThat(h.monitor()).isEqualTo(Monitor.TRAINING_LOSS);
      assertThat(h.epochCount()).isEqualTo(3);
      assertThat(h.bestEpoch()).isEqualTo(1);
      assertThat(weights(m)).isEqualTo(snapshots.byEpoch.get(0));
    }
    LinearModel m2 = new LinearModel(2, 3, 2);
    try (Trainer t = trainer(m2, 0.1).epochs(4).batchSize(10).validationSplit(0.3)
        .monitor(Monitor.VALIDATION_ACCURACY).build()) {
      TrainingHistory h = t.fit(data);
      double[] acc = h.validationAccuracy();
      int argmax = 0;
      for (int e = 1; e < acc.length; e++) {
        if (acc[e] > acc[argmax]) {
          argmax = e;
        }
      }
      assertThat(h.bestEpoch()).isEqualTo(argmax + 1); // the first of equals
      assertThat(h.restoredBest()).isFalse(); // no early stopping: weights restored only when asked
    }
    try (Trainer t = trainer(new LinearModel(2, 3, 2), 0.1).monitor(Monitor.VALIDATION_LOSS).build()) {
      assertThrows(IllegalStateException.class, () -> t.fit(data));
    }
  }

  @Test
  void restoreBestWithoutEarlyStopping() {
    LinearModel m = new LinearModel(2, 3, 2);
    Snapshots snapshots = new Snapshots(m);
    Dataset data = blobs(60, 9);
    try (Trainer t = trainer(m, 3.0).epochs(6).batchSize(5).restoreBestWeights(true).listener(snapshots)
        .build()) {
      TrainingHistory h = t.fit(data);
      assertThat(h.stoppedEarly()).isFalse();
      assertThat(weights(m)).isEqualTo(snapshots.byEpoch.get(h.bestEpoch() - 1));
    }
  }

  @Test
  void nonFiniteGradientNamesTheParameter() {
    for (int threads : new int[] {1, 2}) {
      LinearModel m = new LinearModel(2, 3, 4);
      float[][] before = weights(m);
      m.poisonGradient = "fc.bias";
      try (Trainer t = trainer(m, 0.1).epochs(2).batchSize(8).threads(threads).build()) {
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(blobs(40, 1)));
        assertThat(e.parameterName()).isEqualTo("fc.bias");
        assertThat(e.layerName()).isEqualTo("fc");
        assertThat(e.epoch()).isEqualTo(1);
        assertThat(e.batch()).isEqualTo(1);
        assertThat(e).hasMessageThat().contains("the gradient of fc.bias (layer fc) is NaN at index 0");
        assertThat(e).hasMessageThat().contains("epoch 1, batch 1");
      }
      assertThat(weights(m)).isEqualTo(before); // stopped before the optimizer step
    }
  }

  /**
   * On several threads each checks its own slices of the gradients; the report is still the first non-finite value in
   * parameter order, here in the last thread's slice of the weight (LinearModel(2, 3): 6 weights, slices of 2 or 3).
   */
  @Test
  void nonFiniteGradientInAnotherThreadsSliceIsFound() {
    for (int threads : new int[] {1, 2, 3}) {
      for (float value : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
        LinearModel m = new LinearModel(2, 3, 4);
        m.poisonGradient = "fc.weight";
        m.poisonIndex = -1;
        m.poisonValue = value;
        try (Trainer t = trainer(m, 0.1).epochs(1).batchSize(8).threads(threads).build()) {
          TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(blobs(40, 1)));
          assertThat(e.parameterName()).isEqualTo("fc.weight");
          assertThat(e).hasMessageThat().contains("is " + value + " at index 5 of shape [3, 2]");
        }
      }
    }
  }

  @Test
  void nonFiniteLossNamesTheInput() {
    Dataset good = blobs(20, 2);
    float[] x = good.features().clone();
    x[2 * 13 + 1] = Float.NaN;
    Dataset bad = Dataset.classification(x, good.shape(), good.labels(), 3);
    try (Trainer t = trainer(new LinearModel(2, 3, 4), 0.1).batchSize(5).shuffle(false).build()) {
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(bad));
      assertThat(e.batch()).isEqualTo(3);
      assertThat(e.parameterName()).isNull();
      assertThat(e).hasMessageThat().contains("the loss is NaN");
      assertThat(e).hasMessageThat().contains("sample 13 of the data set, value 1");
    }
  }

  @Test
  void explodingWeightsAreReported() {
    LinearModel m = new LinearModel(2, 3, 4);
    try (Trainer t = trainer(m, 1e38).epochs(5).batchSize(4).build()) {
      TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.fit(blobs(40, 3)));
      assertThat(e).hasMessageThat().contains("training diverged");
    }
  }

  @Test
  void gradientHookSeesEveryBatchAndCanClip() {
    LinearModel m = new LinearModel(2, 3, 4);
    float[][] before = weights(m);
    int[] calls = {0};
    try (Trainer t = trainer(m, 1.0).epochs(2).batchSize(10).gradientHook(params -> {
      assertThat(params).isEqualTo(m.parameters());
      calls[0]++;
    }).build()) {
      t.fit(blobs(30, 1));
    }
    assertThat(calls[0]).isEqualTo(6);
    LinearModel c = new LinearModel(2, 3, 4);
    try (Trainer t = trainer(c, 1.0).epochs(1).batchSize(10).clipGradientValue(1e-3).build()) {
      t.fit(blobs(30, 1));
    }
    float[][] after = weights(c);
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < after[i].length; j++) {
        assertThat(Math.abs(after[i][j] - before[i][j])).isAtMost(3 * 1e-3f + 1e-6f); // 3 steps of lr * 1e-3
      }
    }
  }

  @Test
  void scheduleSetsTheRatePerEpoch() {
    LinearModel m = new LinearModel(2, 3, 4);
    try (Trainer t = trainer(m, 0.4).epochs(3).batchSize(10).schedule(LearningRateSchedule.stepDecay(1, 0.5))
        .build()) {
      TrainingHistory h = t.fit(blobs(30, 1));
      assertThat(h.epochs().get(0).learningRate()).isEqualTo(0.4);
      assertThat(h.epochs().get(1).learningRate()).isEqualTo(0.2);
      assertThat(h.epochs().get(2).learningRate()).isEqualTo(0.1);
    }
  }

  @Test
  void validationSplitAndChecks() {
    LinearModel m = new LinearModel(2, 3, 4);
    BatchSizes plan = new BatchSizes();
    try (Trainer t = trainer(m, 0.1).epochs(1).validationSplit(0.2).listener(plan).build()) {
      TrainingHistory h = t.fit(blobs(100, 1));
      assertThat(plan.plan.trainSize()).isEqualTo(80);
      assertThat(plan.plan.validationSize()).isEqualTo(20);
      assertThat(h.last().validationAccuracy()).isAtLeast(0.0);
    }
    assertThrows(IllegalArgumentException.class,
        () -> trainer(m, 0.1).validationSplit(0.2).validation(blobs(10, 1)).build());
    try (Trainer t = trainer(m, 0.1).build()) {
      Dataset wide = Dataset.classification(new float[6], Shape.of(3), new int[] {0, 1});
      assertThat(assertThrows(IllegalArgumentException.class, () -> t.fit(wide))).hasMessageThat()
          .contains("Linear takes 2");
      Dataset many = Dataset.classification(new float[4], Shape.of(2), new int[] {0, 4});
      assertThat(assertThrows(IllegalArgumentException.class, () -> t.fit(many))).hasMessageThat()
          .contains("5 classes");
    }
    LinearModel other = new LinearModel(2, 3, 4);
    assertThat(assertThrows(IllegalArgumentException.class,
            () -> Trainer.builder(m).loss(new SoftmaxCrossEntropy()).optimizer(new SGD(other.parameters(), 1))
                .build()))
        .hasMessageThat().contains("not a parameter of Linear");
    assertThrows(NullPointerException.class, () -> Trainer.builder(m).loss(new SoftmaxCrossEntropy()).build());
  }

  @Test
  void regressionAndOneHotTargetsWithAnElementwiseLoss() {
    // y = 2x + 1 with MSE: the targets come from the data set.
    int n = 64;
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i / 32f - 1;
      y[i] = 2 * x[i] + 1;
    }
    LinearModel m = new LinearModel(1, 1, 4);
    try (Trainer t = Trainer.builder(m).loss(new MeanSquaredError()).optimizer(new SGD(m.parameters(), 0.3))
        .epochs(60).batchSize(16).threads(2).build()) {
      TrainingHistory h = t.fit(Dataset.regression(x, Shape.of(1), y, 1));
      assertThat(h.last().trainAccuracy()).isNaN();
      assertThat(h.last().trainLoss()).isLessThan(1e-4);
    }
    assertThat(m.weight()[0]).isWithin(0.02f).of(2f);
    assertThat(m.bias()[0]).isWithin(0.02f).of(1f);
    // MSE on class data: labels become one-hot rows of the model's width.
    LinearModel c = new LinearModel(2, 3, 4);
    try (Trainer t = Trainer.builder(c).loss(new MeanSquaredError()).optimizer(new SGD(c.parameters(), 0.5))
        .epochs(20).batchSize(10).build()) {
      TrainingHistory h = t.fit(blobs(90, 3));
      assertThat(h.last().trainAccuracy()).isGreaterThan(0.85);
      assertThat(t.evaluate(blobs(30, 4)).loss()).isLessThan(h.epochs().get(0).trainLoss());
    }
  }

  @Test
  void evaluationInInferenceMode() {
    LinearModel m = new LinearModel(2, 2, 4);
    m.state().get(0).set(new float[] {1, 0, 0, 1}); // identity: predicts the larger coordinate
    m.state().get(1).set(new float[] {0, 0});
    Dataset d = Dataset.classification(new float[] {1, 0, 0, 1, 2, 1, 0, 3}, Shape.of(2), new int[] {0, 1, 1, 1})
        .withClassNames(List.of("left", "right"));
    m.train();
    Evaluation e = Evaluation.evaluate(m, d, 3, new SoftmaxCrossEntropy());
    assertThat(m.isTraining()).isTrue(); // mode restored
    assertThat(e.samples()).isEqualTo(4);
    assertThat(e.accuracy()).isEqualTo(0.75);
    assertThat(e.errorRate()).isEqualTo(0.25);
    assertThat(e.confusion().count(1, 0)).isEqualTo(1);
    assertThat(e.confusion().count(1, 1)).isEqualTo(2);
    assertThat(e.confusion().classNames()).containsExactly("left", "right").inOrder();
    double expected = 0;
    float[][] logits = {{1, 0}, {0, 1}, {2, 1}, {0, 3}};
    int[] labels = {0, 1, 1, 1};
    for (int i = 0; i < 4; i++) {
      double lse = Math.log(Math.exp(logits[i][0]) + Math.exp(logits[i][1]));
      expected += (lse - logits[i][labels[i]]) / 4;
    }
    assertThat(e.loss()).isWithin(1e-6).of(expected);
    assertThat(Evaluation.evaluate(m, d).loss()).isNaN();
    assertThat(e.toString()).contains("accuracy 75.00%");
  }

  @Test
  void consoleProgressDrawsBarAndTable() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    LinearModel m = new LinearModel(2, 3, 4);
    try (Trainer t = trainer(m, 0.1).epochs(2).batchSize(10).validationSplit(0.25)
        .listener(new ConsoleProgress(out, true)).build()) {
      t.fit(blobs(40, 1));
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("training on 30 samples, validating on 10: up to 2 epochs of 3 batches of 10");
    assertThat(text).contains("epoch  train loss  train acc   val loss   val acc     time    img/s");
    assertThat(text).contains("\repoch 1/2 [");
    assertThat(text).contains("] 3/3  loss ");
    assertThat(text).contains("img/s  ETA ");
    assertThat(text).containsMatch("[\r\n] +1 +\\d\\.\\d{4} +\\d+\\.\\d\\d% +\\d\\.\\d{4} +\\d+\\.\\d\\d% +\\d+\\.\\ds +\\d+  \\*");
    assertThat(text).contains("done: 2 epochs");

    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    try (Trainer t = trainer(new LinearModel(2, 3, 4), 0.1).epochs(1).batchSize(10)
        .listener(new ConsoleProgress(new PrintStream(plain, true, StandardCharsets.UTF_8), false)).build()) {
      t.fit(blobs(40, 1));
    }
    String log = plain.toString(StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("\r");
    assertThat(log).containsMatch("\n +1 +\\d\\.\\d{4} +\\d+\\.\\d\\d% +- +- ");
  }

  @Test
  void batchProgressReportsThroughputAndTimeLeft() {
    List<double[]> seen = new ArrayList<>();
    try (Trainer t = trainer(new LinearModel(2, 3, 4), 0.1).epochs(2).batchSize(10)
        .listener(new TrainingListener() {
          @Override
          public void onBatchEnd(BatchProgress p) {
            seen.add(new double[] {p.epoch(), p.batch(), p.samplesSeen(), p.samplesPerSecond(), p.etaSeconds(),
                p.accuracy(), p.meanLoss(), p.learningRate()});
          }
        }).build()) {
      t.fit(blobs(30, 1));
    }
    assertThat(seen).hasSize(6);
    double[] last = seen.get(5);
    assertThat(last[0]).isEqualTo(2.0);
    assertThat(last[1]).isEqualTo(3.0);
    assertThat(last[2]).isEqualTo(30.0);
    assertThat(last[3]).isGreaterThan(0.0);
    assertThat(last[4]).isEqualTo(0.0); // nothing left after the last batch
    assertThat(seen.get(0)[4]).isGreaterThan(0.0);
    assertThat(last[5]).isAtLeast(0.0);
    assertThat(last[7]).isEqualTo(0.1);
  }

  static List<Thread> workers() {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("kiln-train-") && t.isAlive()) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void workerThreadsAreCreatedOnceAndEndOnClose() throws InterruptedException {
    List<Thread> before = workers();
    LinearModel m = new LinearModel(2, 3, 4);
    Trainer t = trainer(m, 0.1).epochs(2).batchSize(8).threads(3).build();
    List<Thread> mine = new ArrayList<>(workers());
    mine.removeAll(before);
    assertThat(mine).hasSize(2);
    t.fit(blobs(40, 1));
    t.fit(blobs(40, 2));
    t.evaluate(blobs(40, 3));
    List<Thread> after = new ArrayList<>(workers());
    after.removeAll(before);
    assertThat(after).containsExactlyElementsIn(mine);
    t.close();
    for (Thread w : mine) {
      w.join(5000);
      assertThat(w.isAlive()).isFalse();
    }
    assertThrows(IllegalStateException.class, () -> t.fit(blobs(40, 1)));
  }

  /** Bytes allocated so far by the current thread and the trainer's workers. */
  static long allocated(List<Thread> threads) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (Thread t : threads) {
      sum += mx.getThreadAllocatedBytes(t.getId());
    }
    return sum;
  }

  @Test
  void steadyStateAllocatesNothingPerBatch() {
    List<Thread> before = workers();
    LinearModel m = new LinearModel(Shape.of(1, 2, 2), 3, 4);
    Rng rng = new Rng(1);
    int n = 2000;
    float[] x = new float[4 * n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      for (int j = 0; j < 4; j++) {
        x[4 * i + j] = (float) rng.nextGaussian() + (j == y[i] ? 2 : 0);
      }
    }
    Dataset data = Dataset.classification(x, Shape.of(1, 2, 2), y, 3);
    long[] measured = new long[2];
    List<Thread> threads = new ArrayList<>();
    TrainingListener probe = new TrainingListener() {
      @Override
      public void onBatchEnd(BatchProgress p) {
        // Measured within the second epoch, after the first has warmed everything up.
        if (p.epoch() == 2 && p.batch() == 20) {
          measured[0] = allocated(threads);
        } else if (p.epoch() == 2 && p.batch() == 220) {
          measured[1] = allocated(threads);
        }
      }
    };
    try (Trainer t = trainer(m, 0.01).epochs(2).batchSize(8).threads(2).clipGradientNorm(10)
        .augmentation(Augmentations.shift(1).andThen(Augmentations.gaussianNoise(0.01))).listener(probe).build()) {
      threads.add(Thread.currentThread());
      List<Thread> w = new ArrayList<>(workers());
      w.removeAll(before);
      threads.addAll(w);
      t.fit(data);
    }
    long perBatch = (measured[1] - measured[0]) / 200;
    assertThat(perBatch).isLessThan(16L);
  }

  @Test
  void stateIncludesEveryTensorWhenRestoring() {
    // Parameters and state are the same here; the snapshot covers state(), so buffers would be restored too.
    LinearModel m = new LinearModel(2, 3, 4);
    assertThat(m.state()).hasSize(2);
    for (Parameter p : m.state()) {
      assertThat(p.isTrainable()).isTrue();
    }
  }
}
