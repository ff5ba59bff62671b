package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.parallel.ParallelInference;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kiln's inference latency on one image, on one thread ({@link #latencyBatch1}) and two ways on two:
 * {@link #latencyBatch1TwoThreads}, one caller whose call is shared with a second thread ({@code ParallelInference},
 * as ONNX Runtime's and PyTorch's intra-op threads share theirs: the MLP's first layer split by its inputs, LeNet-5's
 * two convolutions by filters, but with the Vector API kernels, which keep LeNet-5's call on the caller), and {@link
 * #latencyBatch1TwoCallers}, two JMH threads calling the same model at once, each with its own workspace (the model's
 * way to serve concurrent requests), which reports the time each call takes while the other runs, so twice as many
 * images per second go through when it equals the 1-thread figure.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class KilnLatencyBench {
  /** The model, shared by the callers. */
  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"mlp", "lenet5"})
    public String net;

    Model model;

    @Setup(Level.Trial)
    public void setUp() {
      model = Nets.kiln(net).eval();
    }
  }

  /** One caller's workspace and image. */
  @State(Scope.Thread)
  public static class Caller {
    Workspace workspace;
    float[] image;

    @Setup(Level.Trial)
    public void setUp(Shared shared) {
      workspace = shared.model.newWorkspace(1);
      image = Inputs.pixels(1);
    }
  }

  /** One caller's pool of two threads. */
  @State(Scope.Thread)
  public static class TwoThreads {
    ParallelInference parallel;
    float[] image;

    @Setup(Level.Trial)
    public void setUp(Shared shared) {
      parallel = new ParallelInference(shared.model, 2, 1);
      image = Inputs.pixels(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      parallel.close();
    }
  }

  @Benchmark
  @Threads(1)
  public float latencyBatch1(Shared shared, Caller caller) {
    return shared.model.forward(caller.workspace, caller.image, 1)[0];
  }

  @Benchmark
  @Threads(2)
  public float latencyBatch1TwoCallers(Shared shared, Caller caller) {
    return shared.model.forward(caller.workspace, caller.image, 1)[0];
  }

  @Benchmark
  @Threads(1)
  public float latencyBatch1TwoThreads(TwoThreads call) {
    return call.parallel.forward(call.image, 1)[0];
  }
}
