package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.WarmUp;
import dev.kiln.runtime.Workspace;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * A server's first requests: the time a fresh JVM takes to answer its first {@value #REQUESTS} one-image requests
 * (in turn random pixels and image-like ones, {@link Inputs#requests}), one after another on one thread, after the
 * model is made (and, for {@code start = warmUp}, after {@link WarmUp#run(Model, Workspace, Duration)}). JMH's
 * single-shot mode, one shot per fork, five forks: each fork is a cold start. {@code OrtColdStartBench} measures
 * ONNX Runtime's first requests the same way.
 *
 * <p>Not part of {@code benchmarks/run.sh}'s suite (the README's table is steady state); run it on its own:
 * {@code java -jar benchmarks/target/kiln-benchmarks.jar ColdStart}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1, batchSize = ColdStartBench.REQUESTS)
@Fork(value = 5, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ColdStartBench {
  /** Requests timed per cold start. */
  static final int REQUESTS = 2_000;

  @Param({"mlp", "lenet5"})
  public String net;

  /** {@code none}: the requests start right after the model is made; {@code warmUp}: after {@link WarmUp}. */
  @Param({"none", "warmUp"})
  public String start;

  private Model model;
  private Workspace workspace;
  private float[][] requests;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    model = Nets.kiln(net).eval();
    workspace = model.newWorkspace(1);
    requests = Inputs.requests(REQUESTS);
    switch (start) {
      case "none" -> { }
      case "warmUp" -> System.out.println("warm-up: " + WarmUp.run(model, workspace, Duration.ofSeconds(10)));
      default -> throw new IllegalArgumentException("start must be none or warmUp: " + start);
    }
  }

  @Benchmark
  public float request() {
    float[] image = requests[next];
    next = next + 1 == requests.length ? 0 : next + 1;
    return model.forward(workspace, image, 1)[0];
  }
}
