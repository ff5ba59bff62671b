package dev.kiln.benchmarks;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
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
 * ONNX Runtime's first requests, as {@link ColdStartBench} times Kiln's: a fresh JVM's first {@value
 * ColdStartBench#REQUESTS} one-image requests after the session is made (one intra-op thread, the settings of
 * {@code OrtBench}), each request's pixels put into the input tensor's direct buffer before its run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1, batchSize = ColdStartBench.REQUESTS)
@Fork(value = 5, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class OrtColdStartBench {
  @Param({"mlp", "lenet5"})
  public String net;

  private OrtEnvironment env;
  private OrtSession session;
  private OrtBench.Bound one;
  private float[][] requests;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws OrtException, IOException {
    env = OrtEnvironment.getEnvironment();
    session = OrtBench.session(env, net, 1);
    one = new OrtBench.Bound(env, 1);
    requests = Inputs.requests(ColdStartBench.REQUESTS);
  }

  @Benchmark
  public float request() throws OrtException {
    one.inputBuffer.clear();
    one.inputBuffer.put(requests[next]);
    next = next + 1 == requests.length ? 0 : next + 1;
    try (OrtSession.Result ignored = session.run(one.inputs, one.outputs)) {
      return one.outputBuffer.get(0);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    one.close();
    session.close();
  }
}
