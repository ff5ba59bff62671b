package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.parallel.ParallelInference;
import dev.kiln.runtime.train.Trainer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kiln's generated {@code Kiln_Mlp} and {@code Kiln_LeNet5} (samples module) on a batch of 64, through the runtime's
 * public API as a user would call it: inference ({@link Model#forward} on one thread, {@link ParallelInference} on
 * two) and one training step ({@link Trainer#step}: forward, {@link SoftmaxCrossEntropy} on class labels, backward,
 * {@link Adam} lr 1e-3). Batch-1 latency is in {@link KilnLatencyBench}.
 *
 * <p>"threads" = 2: inference splits the batch into two runs of 32 samples, one on the caller and one on a worker,
 * each on its own workspace ({@code ParallelInference}'s split by samples, which copies the second run's inputs
 * first). Training is the trainer's data-parallel step on two threads (see {@code Trainer} and its batch engine):
 * the batch split into halves whose gradients are summed, the optimizer's step and the remaking of the transposed
 * weights split between the threads, and the MLP's first layer split by outputs instead.
 *
 * <p>Nothing is allocated per operation: the workspaces, the trainer's buffers and the batch (a view of the inputs,
 * {@link Batch#ofLabels}) are made once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class KilnBench {
  private static final int BATCH = 64;

  @Param({"mlp", "lenet5"})
  public String net;

  @Param({"1", "2"})
  public int threads;

  /** Whether the trainer cuts its batches by the threads' measured times ({@code Trainer.Builder.balanceThreads}). */
  @Param({"false"})
  public boolean balance;

  private Model inference;
  private Model training;
  /** One thread: the caller's workspace. Two: the pool that shares each call. */
  private Workspace inferWs;
  private ParallelInference parallel;
  private Trainer trainer;
  private float[] pixels;
  private Batch batch;

  @Setup(Level.Trial)
  public void setUp() {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
    inference = Nets.kiln(net).eval();
    training = Nets.kiln(net).train();
    pixels = Inputs.pixels(BATCH);
    batch = Batch.ofLabels(training.inputShape(), pixels, Inputs.labels(BATCH));
    if (threads == 1) {
      inferWs = inference.newWorkspace(BATCH);
    } else {
      parallel = new ParallelInference(inference, threads, BATCH);
    }
    trainer = Trainer.builder(training)
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(training.parameters(), 1e-3))
        .threads(threads)
        .balanceThreads(balance)
        .build();
    // Fails set-up, not the timed loop, if the forward pass is broken; the weights stay untouched for the steps.
    if (Float.isNaN(throughputBatch64())) {
      throw new IllegalStateException("Kiln produced NaN");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    trainer.close();
    if (parallel != null) {
      parallel.close();
    }
  }

  @Benchmark
  public float throughputBatch64() {
    return inferenceOutput()[0];
  }

  /** The batch's outputs, 64 rows of 10, on the benchmark's threads. */
  float[] inferenceOutput() {
    return threads == 1 ? inference.forward(inferWs, pixels, BATCH) : parallel.forward(pixels, BATCH);
  }

  @Benchmark
  public double trainStepBatch64() {
    return trainer.step(batch);
  }

  /** The model the training step updates. */
  Model trainingModel() {
    return training;
  }
}
