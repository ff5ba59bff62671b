package dev.kiln.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
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
 * ONNX Runtime (CPU execution provider, all graph optimisations) on the ONNX files PyTorch exported from the
 * reference nets ({@code src/main/resources/*_trained.onnx}: input {@code input} [batch,1,28,28], output {@code
 * logits} [batch,10]). Inference only. "threads" is the session's intra-op thread count (inter-op 1, sequential
 * execution), one caller.
 *
 * <p>Best case for the peer: input and output tensors are bound once to direct buffers (the output pinned), so an
 * operation is one {@code session.run} with no copy in or out.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class OrtBench {
  @Param({"mlp", "lenet5"})
  public String net;

  @Param({"1", "2"})
  public int threads;

  private OrtEnvironment env;
  private OrtSession session;
  private Bound one;
  private Bound batch;

  /**
   * One batch size's tensors, bound once to direct buffers, the input holding the suite's pixels. The tensors read
   * and write the buffers themselves, so a caller may put other pixels into {@code inputBuffer} between runs.
   */
  static final class Bound implements AutoCloseable {
    final OnnxTensor input;
    final OnnxTensor output;
    final FloatBuffer inputBuffer;
    final FloatBuffer outputBuffer;
    final Map<String, OnnxTensor> inputs;
    final Map<String, OnnxTensor> outputs;

    Bound(OrtEnvironment env, int n) throws OrtException {
      inputBuffer = direct(n * Inputs.IMAGE);
      inputBuffer.put(Inputs.pixels(n)).rewind();
      outputBuffer = direct(n * Inputs.CLASSES);
      input = OnnxTensor.createTensor(env, inputBuffer, new long[] {n, 1, 28, 28});
      output = OnnxTensor.createTensor(env, outputBuffer, new long[] {n, Inputs.CLASSES});
      inputs = Map.of("input", input);
      outputs = Map.of("logits", output);
    }

    @Override
    public void close() {
      input.close();
      output.close();
    }
  }

  private static FloatBuffer direct(int floats) {
    return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /**
   * A session on {@code net}'s ONNX file with the suite's settings: every graph optimisation, sequential execution,
   * {@code threads} intra-op threads and one inter-op thread.
   */
  static OrtSession session(OrtEnvironment env, String net, int threads) throws OrtException, IOException {
    String file = Inputs.isLeNet5(net) ? "/lenet5_trained.onnx" : "/mlp_trained.onnx";
    byte[] model;
    try (InputStream in = OrtBench.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IOException("missing resource " + file);
      }
      model = in.readAllBytes();
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      return env.createSession(model, options);
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws OrtException, IOException {
    env = OrtEnvironment.getEnvironment();
    session = session(env, net, threads);
    one = new Bound(env, 1);
    batch = new Bound(env, 64);
    // Fail here, not in the timed loop, if the file's names or shapes are not the expected ones.
    run(batch);
    if (Float.isNaN(batch.outputBuffer.get(0))) {
      throw new IllegalStateException("ONNX Runtime produced NaN");
    }
  }

  private float run(Bound b) throws OrtException {
    try (OrtSession.Result ignored = session.run(b.inputs, b.outputs)) {
      return b.outputBuffer.get(0);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    one.close();
    batch.close();
    session.close();
  }

  @Benchmark
  public float latencyBatch1() throws OrtException {
    return run(one);
  }

  @Benchmark
  public float throughputBatch64() throws OrtException {
    return run(batch);
  }
}
