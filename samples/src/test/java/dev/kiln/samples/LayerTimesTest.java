package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.LayerTimes;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.layer.Layer;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.parallel.ParallelInference;
import dev.kiln.runtime.parallel.ParallelInference.Split;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingProfile;
import dev.kiln.runtime.train.TrainingProfile.Phase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The per-layer clocks ({@link LayerTimes}, {@code -Dkiln.profile=true}): off and absent in a JVM that does not ask
 * for them; in one that does (a child JVM, since the switch is read once), every generated pass records each layer's
 * forward and backward time, the first layer's split shares (training's and {@code ParallelInference}'s) and the
 * shared convolutions' count towards those layers, and a trainer records the phases of its steps.
 */
class LayerTimesTest {
  @Test
  void offUnlessTheJvmAsks() {
    assertThat(LayerTimes.ENABLED).isFalse();
    Model model = new Kiln_LeNet5();
    assertThat(model.newWorkspace(2).layerTimes()).isNull();
    try (Trainer trainer = trainer(model, 1)) {
      IllegalStateException e = assertThrows(IllegalStateException.class, trainer::profile);
      assertThat(e).hasMessageThat().contains("-Dkiln.profile=true");
    }
  }

  @Test
  void tableGivesEachLayerItsTimePerCallShareAndRate() {
    Model model = new Kiln_LeNet5();
    List<Layer> layers = model.layers();
    LayerTimes times = new LayerTimes(layers.size());
    times.beginForward();
    times.beginForward();
    // Two calls: 8 ms in conv2 (index 2), 2 ms in fc3 (the last), nothing elsewhere.
    long conv2 = 8_000_000;
    long fc3 = 2_000_000;
    times.forward(2, System.nanoTime() - conv2);
    times.forward(layers.size() - 1, System.nanoTime() - fc3);
    String table = times.table(model, 2, 64);
    String[] rows = table.split("\n");
    assertThat(rows).hasLength(layers.size() + 1);
    assertThat(rows[0]).doesNotContain("backward");
    for (int i = 0; i < layers.size(); i++) {
      assertThat(rows[i + 1]).startsWith(layers.get(i).name() + " ");
    }
    String[] conv2Row = rows[3].substring(48).trim().split(" +");
    double perCall = Double.parseDouble(conv2Row[0]);
    assertThat(perCall).isAtLeast(4000.0);
    assertThat(perCall).isLessThan(4000.0 * 1.05);
    double share = Double.parseDouble(conv2Row[1].replace("%", ""));
    assertThat(share).isWithin(1.0).of(80.0);
    // GFLOP/s: two operations a multiply-add, 64 samples a call, two calls, over conv2's nanoseconds.
    double rate = Double.parseDouble(conv2Row[2]);
    double expected = 2.0 * layers.get(2).multiplyAdds() * 64 * 2 / times.forwardNanos(2);
    assertThat(rate).isWithin(0.051 + expected * 0.001).of(expected);
    assertThat(rows[2].substring(48).trim().split(" +")[0]).isEqualTo("0.00");

    times.beginBackward();
    times.backward(0, System.nanoTime() - 1_000_000);
    String withBackward = times.table(model, 2, 64);
    assertThat(withBackward.split("\n")[0]).contains("backward µs");
    assertThat(times.backwardPasses()).isEqualTo(1);
    assertThat(times.forwardPasses()).isEqualTo(2);

    times.reset();
    assertThat(times.forwardNanos(2)).isEqualTo(0);
    assertThat(times.forwardPasses()).isEqualTo(0);
    assertThat(times.backwardNanos(0)).isEqualTo(0);
  }

  @Test
  void recordsAddUpOnlyForOneNetwork() {
    LayerTimes a = new LayerTimes(3);
    LayerTimes b = new LayerTimes(3);
    a.beginForward();
    a.forward(1, System.nanoTime() - 1_000);
    b.beginForward();
    b.forward(1, System.nanoTime() - 2_000);
    b.beginBackward();
    b.backward(2, System.nanoTime() - 3_000);
    LayerTimes sum = LayerTimes.sum(List.of(a, b));
    assertThat(sum.forwardNanos(1)).isEqualTo(a.forwardNanos(1) + b.forwardNanos(1));
    assertThat(sum.backwardNanos(2)).isEqualTo(b.backwardNanos(2));
    assertThat(sum.forwardPasses()).isEqualTo(2);
    assertThat(sum.backwardPasses()).isEqualTo(1);
    assertThrows(IllegalArgumentException.class, () -> LayerTimes.sum(List.of(a, new LayerTimes(4))));
    assertThrows(IllegalArgumentException.class, () -> a.table(new Kiln_LeNet5(), 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new LayerTimes(0));
  }

  @Test
  void aProfilingJvmTimesEveryLayerAndPhase() throws IOException, InterruptedException {
    Process child = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-Dkiln.profile=true",
            "-cp", System.getProperty("java.class.path"), Child.class.getName())
        .redirectErrorStream(true)
        .start();
    boolean done = child.waitFor(120, TimeUnit.SECONDS);
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      child.destroyForcibly();
    }
    assertWithMessage(output).that(done).isTrue();
    assertWithMessage(output).that(child.exitValue()).isEqualTo(0);
    assertThat(output).contains("every layer and phase timed");
  }

  private static Trainer trainer(Model model, int threads) {
    return Trainer.builder(model.train())
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), 1e-3))
        .threads(threads)
        .build();
  }

  private static float[] pixels(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[count];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble();
    }
    return x;
  }

  private static Batch batch(Model model, int size) {
    int[] labels = new int[size];
    for (int i = 0; i < size; i++) {
      labels[i] = i % 10;
    }
    return Batch.ofLabels(model.inputShape(), pixels(size * 784, size), labels);
  }

  /** Runs in a JVM started with {@code -Dkiln.profile=true}; exits non-zero on the first check that fails. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) {
      check(LayerTimes.ENABLED, "the JVM profiles");
      inferenceWithFoldedBatchNorms();
      trainingOnOneThread();
      trainingWithTheFirstLayerSplit();
      parallelInference();
      System.out.println("every layer and phase timed");
    }

    /** LeNet-5 with batch norms, at inference: folded into their convolutions, whose time they then are. */
    private static void inferenceWithFoldedBatchNorms() {
      Model model = new Kiln_LeNet5Bn().eval();
      Workspace ws = model.newWorkspace(5);
      float[] x = pixels(5 * 784, 1);
      long began = System.nanoTime();
      for (int i = 0; i < 10; i++) {
        model.forward(ws, x, 5);
      }
      long wall = System.nanoTime() - began;
      LayerTimes t = ws.layerTimes();
      check(t.forwardPasses() == 10 && t.backwardPasses() == 0, "ten forward passes: " + t.forwardPasses());
      long sum = 0;
      for (int i = 0; i < t.layers(); i++) {
        Layer layer = model.layers().get(i);
        sum += t.forwardNanos(i);
        if (layer.name().startsWith("conv") || layer.name().startsWith("fc")) {
          check(t.forwardNanos(i) > 0, layer.name() + "'s forward time");
        }
        check(t.backwardNanos(i) == 0, layer.name() + " has no backward time");
      }
      check(sum <= wall, "the layers' times fit in the passes' " + sum + " > " + wall);
    }

    /** LeNet-5's training step on one thread: every layer both ways, and the phases one thread runs. */
    private static void trainingOnOneThread() {
      Model model = new Kiln_LeNet5();
      Batch batch = batch(model, 16);
      try (Trainer trainer = trainer(model, 1)) {
        for (int i = 0; i < 3; i++) {
          trainer.step(batch);
        }
        trainer.resetProfile();
        check(trainer.profile().steps() == 0, "a reset forgets the steps");
        check(trainer.profile().layers().forwardNanos(0) == 0, "a reset forgets the layers' times");
        for (int i = 0; i < 4; i++) {
          trainer.step(batch);
        }
        TrainingProfile p = trainer.profile();
        check(p.steps() == 4, "four steps: " + p.steps());
        LayerTimes t = p.layers();
        check(t.forwardPasses() == 4 && t.backwardPasses() == 4, "four passes each way: " + t.forwardPasses()
            + ", " + t.backwardPasses());
        for (int i = 0; i < t.layers(); i++) {
          Layer layer = model.layers().get(i);
          check(t.forwardNanos(i) > 0, layer.name() + "'s forward time");
          check(t.backwardNanos(i) > 0, layer.name() + "'s backward time");
        }
        check(p.phaseNanos(Phase.SHARDS) > 0 && p.phaseNanos(Phase.OPTIMIZER) > 0, "the shards' and optimizer's");
        check(p.phaseNanos(Phase.SPLIT_FORWARD) == 0 && p.phaseNanos(Phase.REPACK) == 0, "no split on one thread");
        check(p.table(model, 16).contains("optimizer"), "the table lists the phases");
      }
    }

    /**
     * The MLP on two threads, its first layer split by outputs: each thread's shares of that layer's forward pass
     * and weight gradient count as fc1's (more than fc3's, which does a 150th of its multiply-adds), and the split
     * phases and the copies' remaking are timed.
     */
    private static void trainingWithTheFirstLayerSplit() {
      Model model = new Kiln_Mlp();
      check(model.splitsForward(2), "the MLP splits its first layer's forward pass on two threads");
      Batch batch = batch(model, 64);
      try (Trainer trainer = trainer(model, 2)) {
        for (int i = 0; i < 4; i++) {
          trainer.step(batch);
        }
        TrainingProfile p = trainer.profile();
        LayerTimes t = p.layers();
        check(t.forwardPasses() == 8, "two shards' passes a step: " + t.forwardPasses());
        check(t.forwardNanos(0) > t.forwardNanos(2), "fc1's split forward pass counts as fc1's");
        check(t.backwardNanos(0) > t.backwardNanos(2), "fc1's split weight gradient counts as fc1's");
        for (Phase phase : List.of(Phase.SPLIT_FORWARD, Phase.SHARDS, Phase.SPLIT_GRADIENT, Phase.OPTIMIZER,
            Phase.REPACK)) {
          check(p.phaseNanos(phase) > 0, phase.label());
        }
        check(p.phaseNanos(Phase.REDUCE) == 0, "a split step reduces inside its split gradient phase");
      }
    }

    /**
     * One call shared by two threads: LeNet-5's convolutions by filters (their shares count as the convolutions', more
     * than its first dense layer's time), the MLP's first layer by inputs (its shares count as fc1's, more than
     * fc3's); one forward pass a call, on the caller's workspace.
     */
    private static void parallelInference() {
      LayerTimes lenet = oneCallOnTwoThreads(new Kiln_LeNet5(), Split.CONVOLUTIONS,
          "LeNet-5's one image is shared by its convolutions' filters");
      check(lenet.forwardNanos(0) > lenet.forwardNanos(4) && lenet.forwardNanos(2) > lenet.forwardNanos(4),
          "the convolutions' shares count as theirs");
      LayerTimes mlp = oneCallOnTwoThreads(new Kiln_Mlp(), Split.INPUTS,
          "the MLP's one image is shared by its first layer's inputs");
      check(mlp.forwardNanos(0) > mlp.forwardNanos(2), "the first layer's shares count as fc1's");
    }

    /**
     * {@code model}'s layer times over 20 calls of one image on two threads, after 20 more and a reset, once its split
     * is checked to be {@code expected} ({@code what}) and every call checked to be one forward pass.
     */
    private static LayerTimes oneCallOnTwoThreads(Model model, Split expected, String what) {
      try (ParallelInference parallel = new ParallelInference(model.eval(), 2, 1)) {
        check(parallel.splitFor(1) == expected, what);
        float[] x = pixels(784, 3);
        for (int i = 0; i < 20; i++) {
          parallel.forward(x, 1);
        }
        parallel.resetLayerTimes();
        for (int i = 0; i < 20; i++) {
          parallel.forward(x, 1);
        }
        LayerTimes t = parallel.layerTimes();
        check(t.forwardPasses() == 20, "one forward pass a call: " + t.forwardPasses());
        return t;
      }
    }

    private static void check(boolean ok, String what) {
      if (!ok) {
        System.out.println("failed: " + what);
        System.exit(1);
      }
    }
  }
}
