package dev.kiln.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.optim.Optimizer;
import dev.kiln.runtime.optim.SGD;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Stopping after an epoch and resuming from a checkpoint gives exactly the weights of an uninterrupted run. */
class CheckpointTest {
  private static final int SAMPLES = 16;
  private static final int BATCH = 4;
  private static final int EPOCHS = 4;
  private static final int STOP_AFTER = 2;

  @TempDir Path dir;

  /** A training run in progress: the model, its optimizer, its workspace and the data-shuffling generator. */
  private static final class Run {
    final TinyNet net;
    final Optimizer optimizer;
    final TinyNet.Ws ws;
    final Rng shuffle;
    long steps;

    Run(long seed, Function<TinyNet, Optimizer> optimizer, long shuffleSeed) {
      net = new TinyNet(seed);
      this.optimizer = optimizer.apply(net);
      ws = (TinyNet.Ws) net.newWorkspace(BATCH);
      shuffle = new Rng(shuffleSeed);
    }

    /** One epoch of mean-squared-error training on a fixed little regression problem, shuffled. */
    void epoch() {
      float[][] x = new float[SAMPLES][TinyNet.IN];
      float[][] y = new float[SAMPLES][TinyNet.OUT];
      for (int s = 0; s < SAMPLES; s++) {
        for (int i = 0; i < TinyNet.IN; i++) {
          x[s][i] = (float) Math.sin(s * 3 + i);
        }
        y[s][0] = x[s][0] - 2 * x[s][1];
        y[s][1] = 0.5f * x[s][2];
      }
      int[] order = new int[SAMPLES];
      for (int i = 0; i < SAMPLES; i++) {
        order[i] = i;
      }
      for (int i = SAMPLES - 1; i > 0; i--) {
        int j = shuffle.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      net.train();
      float[] input = new float[BATCH * TinyNet.IN];
      float[] grad = new float[BATCH * TinyNet.OUT];
      for (int b = 0; b < SAMPLES; b += BATCH) {
        for (int n = 0; n < BATCH; n++) {
          System.arraycopy(x[order[b + n]], 0, input, n * TinyNet.IN, TinyNet.IN);
        }
        optimizer.zeroGrad();
        float[] out = net.forward(ws, input, BATCH);
        for (int n = 0; n < BATCH; n++) {
          for (int k = 0; k < TinyNet.OUT; k++) {
            grad[n * TinyNet.OUT + k] = 2 * (out[n * TinyNet.OUT + k] - y[order[b + n]][k]) / (BATCH * TinyNet.OUT);
          }
        }
        net.backward(ws, grad);
        optimizer.step();
        steps++;
      }
    }

    void save(Path path, long epoch) throws IOException {
      Checkpoint.save(path, net, optimizer, epoch, steps, shuffle, ws.rng());
    }

    Checkpoint load(Path path) throws IOException {
      Checkpoint c = Checkpoint.load(path, net, optimizer, shuffle, ws.rng());
      steps = c.step();
      return c;
    }

    int[][] bits() {
      return Arrays.stream(net.snapshot()).map(WeightsTest::bits).toArray(int[][]::new);
    }
  }

  static Stream<Function<TinyNet, Optimizer>> optimizers() {
    return Stream.of(
        net -> new Adam(net.parameters(), 0.01),
        net -> new SGD(net.parameters(), 0.05, 0.9));
  }

  @ParameterizedTest
  @MethodSource("optimizers")
  void resumedRunIsBitIdentical(Function<TinyNet, Optimizer> optimizer) throws IOException {
    Run straight = new Run(1, optimizer, 7);
    for (int e = 0; e < EPOCHS; e++) {
      straight.epoch();
    }

    Run first = new Run(1, optimizer, 7);
    for (int e = 0; e < STOP_AFTER; e++) {
      first.epoch();
    }
    Path path = dir.resolve("checkpoint.safetensors");
    first.save(path, STOP_AFTER);

    // A fresh process: other seeds, other learning rate, untouched optimizer; the checkpoint must set it all.
    Run resumed = new Run(99, net -> {
      Optimizer o = optimizer.apply(net);
      o.setLearningRate(0.5);
      return o;
    }, 12345);
    Checkpoint c = resumed.load(path);
    assertThat(c.epoch()).isEqualTo(STOP_AFTER);
    assertThat(c.step()).isEqualTo(STOP_AFTER * SAMPLES / BATCH);
    for (long e = c.epoch(); e < EPOCHS; e++) {
      resumed.epoch();
    }

    assertThat(resumed.bits()).isEqualTo(straight.bits());
    assertThat(resumed.optimizer.stepCount()).isEqualTo(straight.optimizer.stepCount());
    assertThat(resumed.optimizer.learningRate()).isEqualTo(straight.optimizer.learningRate());
    assertThat(resumed.net.parameter("bn.num_batches_tracked").value()[0]).isEqualTo((float) EPOCHS * 4);
  }

  @Test
  void resumingWithoutTheDropoutGeneratorWouldDiverge() throws IOException {
    // Shows the test above is sensitive: the same resume, with only the workspace generator not restored, differs.
    Function<TinyNet, Optimizer> adam = net -> new Adam(net.parameters(), 0.01);
    Run straight = new Run(1, adam, 7);
    for (int e = 0; e < EPOCHS; e++) {
      straight.epoch();
    }
    Run first = new Run(1, adam, 7);
    for (int e = 0; e < STOP_AFTER; e++) {
      first.epoch();
    }
    Path path = dir.resolve("checkpoint.safetensors");
    first.save(path, STOP_AFTER);
    Run resumed = new Run(99, adam, 12345);
    resumed.load(path);
    resumed.ws.rng().setState(42);
    for (int e = STOP_AFTER; e < EPOCHS; e++) {
      resumed.epoch();
    }
    assertThat(resumed.bits()).isNotEqualTo(straight.bits());
  }

  @Test
  void fileHoldsOptimizerStateAndScalars() throws IOException {
    Run run = new Run(1, net -> new Adam(net.parameters(), 0.01), 7);
    run.epoch();
    Path path = dir.resolve("checkpoint.safetensors");
    run.save(path, 1);

    SafetensorsFile file = SafetensorsFile.read(path);
    assertThat(file.names()).containsAtLeast("fc1.weight", "optimizer.fc1.weight.exp_avg",
        "optimizer.fc1.weight.exp_avg_sq", "optimizer.fc2.bias.exp_avg");
    assertThat(file.shape("optimizer.fc1.weight.exp_avg")).asList().containsExactly(4L, 3L).inOrder();
    assertThat(file.metadata()).containsEntry("epoch", "1");
    assertThat(file.metadata()).containsEntry("step", "4");
    assertThat(file.metadata()).containsEntry("optimizer.step_count", "4");
    assertThat(file.metadata()).containsEntry("optimizer", Adam.class.getName());
    assertThat(file.metadata()).containsEntry("rng.count", "2");
    assertThat(file.metadata()).containsEntry("rng.0", Long.toString(run.shuffle.state()));

    // The model alone loads from a checkpoint non-strictly, the optimizer tensors reported as unexpected.
    TinyNet net = new TinyNet(5);
    LoadReport report = Weights.load(net, path, LoadOptions.nonStrict());
    assertThat(report.missing()).isEmpty();
    assertThat(report.unexpected()).contains("optimizer.fc1.weight.exp_avg");
    assertThat(net.snapshot()).isEqualTo(run.net.snapshot());
  }

  /** The state a failed load must not have touched. */
  private static Object everything(Run run) {
    return Arrays.asList(Arrays.deepToString(run.net.snapshot()), run.optimizer.stepCount(),
        run.optimizer.learningRate(), run.shuffle.state(), run.ws.rng().state(),
        run.optimizer.state().entrySet().stream().map(e -> e.getKey() + Arrays.toString(e.getValue())).toList());
  }

  @Test
  void wrongOptimizerKindChangesNothing() throws IOException {
    Run saved = new Run(1, net -> new Adam(net.parameters(), 0.01), 7);
    saved.epoch();
    Path path = dir.resolve("checkpoint.safetensors");
    saved.save(path, 1);
    Run other = new Run(2, net -> new SGD(net.parameters(), 0.1, 0.9), 8);
    other.epoch();
    Object before = everything(other);

    WeightFileException e = assertThrows(WeightFileException.class, () -> other.load(path));

    assertThat(e).hasMessageThat().contains("not of " + SGD.class.getName());
    assertThat(everything(other)).isEqualTo(before);
  }

  @Test
  void wrongGeneratorCountChangesNothing() throws IOException {
    Run saved = new Run(1, net -> new Adam(net.parameters(), 0.01), 7);
    Path path = dir.resolve("checkpoint.safetensors");
    saved.save(path, 0);
    Run other = new Run(2, net -> new Adam(net.parameters(), 0.01), 8);
    Object before = everything(other);

    WeightFileException e = assertThrows(WeightFileException.class,
        () -> Checkpoint.load(path, other.net, other.optimizer, other.shuffle));

    assertThat(e).hasMessageThat().contains("holds 2 random generator states, but 1 were given");
    assertThat(everything(other)).isEqualTo(before);
  }

  @Test
  void mismatchedTensorsAreAllNamedAndChangeNothing() throws IOException {
    // A checkpoint of a wider network: model and optimizer tensors both mismatch.
    TinyNet wide = new TinyNet(1, "fc1", "fc2", 5);
    Path path = dir.resolve("checkpoint.safetensors");
    Checkpoint.save(path, wide, new Adam(wide.parameters(), 0.01), 0, 0, new Rng(1), new Rng(2));
    Run other = new Run(2, net -> new Adam(net.parameters(), 0.01), 8);
    other.epoch();
    Object before = everything(other);

    WeightFileException e = assertThrows(WeightFileException.class, () -> other.load(path));

    assertThat(e).hasMessageThat().contains("fc1.weight (file F32 [5, 3] vs model F32 [4, 3])");
    assertThat(e).hasMessageThat().contains(
        "optimizer.fc1.weight.exp_avg (file F32 [5, 3] vs optimizer F32 [4, 3])");
    assertThat(everything(other)).isEqualTo(before);
  }

  @Test
  void plainWeightsFileIsNotACheckpoint() throws IOException {
    Path path = dir.resolve("weights.safetensors");
    Weights.save(new TinyNet(1), path);
    Run run = new Run(2, net -> new Adam(net.parameters(), 0.01), 8);
    WeightFileException e = assertThrows(WeightFileException.class, () -> run.load(path));
    assertThat(e).hasMessageThat().contains("not a Kiln checkpoint");
  }

  @Test
  void tamperedScalarsAreRejected() throws IOException {
    Run saved = new Run(1, net -> new Adam(net.parameters(), 0.01), 7);
    Path path = dir.resolve("checkpoint.safetensors");
    saved.save(path, 0);
    SafetensorsFile good = SafetensorsFile.read(path);
    for (Map.Entry<String, String> edit : Map.of(
        "epoch", "-1", "step", "many", "optimizer.learning_rate", "NaN", "rng.1", "0x12").entrySet()) {
      SafetensorsWriter writer = new SafetensorsWriter();
      for (String name : good.names()) {
        long[] s = good.shape(name);
        int[] shape = Arrays.stream(s).mapToInt(Math::toIntExact).toArray();
        if (good.dtype(name).equals("I64")) {
          writer.addI64(name, shape, good.longs(name));
        } else {
          writer.addF32(name, shape, good.floats(name));
        }
      }
      writer.metadata(good.metadata()).metadata(edit.getKey(), edit.getValue());
      Path tampered = dir.resolve("tampered.safetensors");
      writer.write(tampered);
      Run run = new Run(2, net -> new Adam(net.parameters(), 0.01), 8);
      Object before = everything(run);
      WeightFileException e = assertThrows(WeightFileException.class, () -> run.load(tampered));
      assertThat(e).hasMessageThat().contains(edit.getKey());
      assertThat(everything(run)).isEqualTo(before);
    }
    assertThat(Files.exists(path)).isTrue();
  }
}
