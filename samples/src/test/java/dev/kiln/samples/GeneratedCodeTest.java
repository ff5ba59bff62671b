package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties of the classes the real build generated for the sample networks: every method JIT-compilable (and every
 * method of the runtime kernels they call), no allocation in steady-state passes, and concurrent inference
 * bit-identical to one thread.
 */
class GeneratedCodeTest {
  /** HotSpot does not JIT-compile methods with more bytecode than this (-XX:-DontCompileHugeMethods is off). */
  static final int HUGE_METHOD_LIMIT = 8000;

  static Stream<Arguments> networks() {
    return Stream.of(
        Arguments.of("Kiln_LeNet5", (Supplier<Model>) Kiln_LeNet5::new),
        Arguments.of("Kiln_Mlp", (Supplier<Model>) Kiln_Mlp::new),
        Arguments.of("Kiln_LeNet5Bn", (Supplier<Model>) Kiln_LeNet5Bn::new),
        Arguments.of("Kiln_ResNetMini", (Supplier<Model>) Kiln_ResNetMini::new));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("networks")
  void everyMethodIsUnderTheJitLimit(String name, Supplier<Model> unused) throws Exception {
    for (String file : new String[] {name + ".class", name + "$Buffers.class"}) {
      assertEveryMethodUnderTheJitLimit(GeneratedCodeTest.class, file);
    }
  }

  /** Every method of the class file {@code file}, found beside {@code anchor}, has under the limit's bytecode. */
  private static void assertEveryMethodUnderTheJitLimit(Class<?> anchor, String file) throws Exception {
    Map<String, Integer> lengths = ClassFileMethods.codeLengths(classFile(anchor, file));
    assertThat(lengths).isNotEmpty();
    lengths.forEach((method, length) ->
        assertWithMessage("%s.%s bytecode bytes", file, method).that(length).isLessThan(HUGE_METHOD_LIMIT));
  }

  /** The bytes of the class file {@code file}, found beside {@code anchor}. */
  private static byte[] classFile(Class<?> anchor, String file) throws Exception {
    try (InputStream in = anchor.getResourceAsStream(file)) {
      assertWithMessage("class file %s", file).that(in).isNotNull();
      return in.readAllBytes();
    }
  }

  /**
   * C2's inlining limit for a hot call (HotSpot's {@code FreqInlineSize}; see {@code ConvCode.tapPassesMethods} in
   * the processor): the passes methods, whose loops C2 vectorises only when they are compiled on their own, are over
   * it.
   */
  static final int INLINING_LIMIT = 325;

  /**
   * Every passes method, a convolution's taps into a block of filters ({@code conv1AddTaps3x784}), a dense layer's
   * rows into a group ({@code fc1AddRows256}, or its inputs in order, {@code fc1AddInputs256}) or a narrow dense
   * layer's column rows into a block of outputs ({@code fc3AddColumns3x80}), has more bytecode than
   * C2 inlines at a hot call: inlined, the pass of three filters ran scalar (LeNet-5's batch 1 2.5 times slower on an
   * AVX2 host). The passes for what a full pass leaves ({@code ...Left...}) run once per block and are not held to it.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("networks")
  void everyPassesMethodIsOverTheInliningLimit(String name, Supplier<Model> unused) throws Exception {
    byte[] bytes = classFile(GeneratedCodeTest.class, name + ".class");
    java.util.regex.Pattern passes = java.util.regex.Pattern.compile("\\w+(AddTaps\\d+x|AddColumns\\d+x|AddRows|AddInputs)\\d+\\(.*");
    int checked = 0;
    for (Map.Entry<String, Integer> method : ClassFileMethods.codeLengths(bytes).entrySet()) {
      if (passes.matcher(method.getKey()).matches()) {
        checked++;
        assertWithMessage("%s.%s bytecode bytes", name, method.getKey()).that(method.getValue())
            .isGreaterThan(INLINING_LIMIT);
      }
    }
    assertWithMessage("passes methods in %s", name).that(checked).isGreaterThan(0);
  }

  /**
   * The runtime's kernels, which the generated code calls in its inner loops, are under the limit too: the Vector API
   * blocks above all, whose 24-accumulator bodies are the longest methods the runtime has (about 1,300 bytes).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"VectorDense", "VectorConv", "VectorPool", "VectorLanes", "VectorBackend", "Packing", "Activations",
      "Elementwise", "MultiplyAdd", "FloatBits", "ConvWindows", "BatchNormFolding"})
  void everyRuntimeKernelMethodIsUnderTheJitLimit(String name) throws Exception {
    assertEveryMethodUnderTheJitLimit(dev.kiln.runtime.kernel.Packing.class, name + ".class");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("networks")
  void steadyStateForwardAndBackwardAllocateNothing(String name, Supplier<Model> factory) {
    Model model = factory.get();
    int batch = 8;
    Workspace ws = model.newWorkspace(batch);
    float[] input = random(batch * model.inputShape().size(), 1);
    int[] labels = new int[batch];
    float[] grad = new float[batch * 10];
    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    model.train();
    assertStepAllocatesNothing(name + ", forward and backward", () -> {
      float[] out = model.forward(ws, input, batch);
      loss.compute(out, labels, batch, 10, grad);
      model.backward(ws, grad);
    });
  }

  /**
   * Inference too: its paths differ from training's (a batch norm folded into its convolution, whose refresh check
   * once built a string per call to find the convolution's bias: 112 bytes per LeNet-5 + BN inference).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("networks")
  void steadyStateInferenceAllocatesNothing(String name, Supplier<Model> factory) {
    Model model = factory.get().eval();
    for (int batch : new int[] {1, 8}) {
      Workspace ws = model.newWorkspace(batch);
      float[] input = random(batch * model.inputShape().size(), 2);
      assertStepAllocatesNothing(name + ", inference at batch " + batch, () -> model.forward(ws, input, batch));
    }
  }

  private static void assertStepAllocatesNothing(String name, Runnable step) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int i = 0; i < 1500; i++) {
      step.run(); // warm up: class loading and JIT compilation allocate
    }
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    long baseline = threads.getThreadAllocatedBytes(id) - before; // what the measuring call itself costs
    // Windows of 50 passes until one allocates nothing, at most five: an allocation in the passes shows in every
    // window, while a late JIT event (a deoptimisation and recompilation on a loaded machine) can land in one.
    java.util.List<Long> windows = new java.util.ArrayList<>();
    long allocated;
    do {
      before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < 50; i++) {
        step.run();
      }
      allocated = threads.getThreadAllocatedBytes(id) - before - baseline;
      windows.add(allocated);
    } while (allocated > 0 && windows.size() < 5);
    assertWithMessage("bytes allocated by 50 passes (%s), window by window: %s", name, windows)
        .that(allocated).isAtMost(0L);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("networks")
  void concurrentInferenceIsBitIdenticalToOneThread(String name, Supplier<Model> factory) throws Exception {
    Model model = factory.get();
    int batch = 16;
    int inputs = 12;
    List<float[]> samples = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    Workspace single = model.newWorkspace(batch);
    for (int i = 0; i < inputs; i++) {
      float[] x = random(batch * model.inputShape().size(), i);
      samples.add(x);
      expected.add(model.forward(single, x, batch).clone());
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(pool.submit(() -> {
          Workspace ws = model.newWorkspace(batch);
          for (int round = 0; round < 25; round++) {
            for (int i = 0; i < inputs; i++) {
              float[] out = model.forward(ws, samples.get(i), batch);
              for (int k = 0; k < batch * 10; k++) {
                if (Float.floatToRawIntBits(out[k]) != Float.floatToRawIntBits(expected.get(i)[k])) {
                  return false;
                }
              }
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static float[] random(int n, long seed) {
    Rng rng = new Rng(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = rng.nextFloat();
    }
    return x;
  }
}
