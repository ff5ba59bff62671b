package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.kernel.VectorBackend;
import dev.kiln.runtime.parallel.ParallelInference;
import dev.kiln.runtime.parallel.ParallelInference.Split;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One caller's inference on several threads ({@code ParallelInference}) against the same model on one: a batch split
 * by samples gives every sample's bits, a small batch split by the first layer's inputs ({@code
 * Model.splitForwardInputs}) the same values up to rounding, a sample's leading convolutions split among the
 * threads by filters ({@code Model.splitForwardConvolution}) its bits again, and a network that can split neither way
 * runs small batches on the caller. The build runs it with the default loops and again with the Vector API kernels,
 * which split no convolution.
 */
class ParallelInferenceTest {
  private static final int IN = 700;
  private static final int UNITS = 96;

  /** 96 units over 700 inputs (67,200 multiply-adds a sample: enough to split by inputs), then two more layers. */
  private static Model mlp() {
    return TestNetworks.network("{" + IN + "}",
        "@Dense(units = " + UNITS + ", activation = Activation.RELU) DenseLayer a();\n"
            + "  @Dense(units = 40, activation = Activation.RELU) DenseLayer b();\n"
            + "  @Dense(units = 10) DenseLayer c();");
  }

  /** Inputs a third of which are zero, as after a ReLU or on an image's background, which the kernels skip. */
  private static float[] inputs(int count, Random random) {
    float[] x = new float[count];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextInt(3) == 0 ? 0f : (float) random.nextGaussian();
    }
    return x;
  }

  /**
   * The shares' sums over ranges of the inputs (cut inside a block of the default loops' and between), added in
   * order, are the layer's outputs to within rounding; the one share of all inputs with the bias is the layer's own
   * pass, bit for bit. 13 samples cover the default loops' groups of four and the Vector API kernels' blocks of six.
   */
  @ParameterizedTest
  @CsvSource({"1", "3", "13"})
  void sharesOfTheInputsAddUpToTheFirstLayer(int batch) {
    Model model = mlp();
    Random random = new Random(batch);
    float[] x = inputs(batch * IN, random);
    Workspace ws = model.newWorkspace(batch);
    float[] layer = new float[batch * UNITS];
    model.splitForward(ws, x, batch, layer, 0, UNITS); // the layer's own bits (FirstLayerSplitTest)

    float[] whole = new float[batch * UNITS];
    model.splitForwardInputs(ws, x, batch, whole, 0, IN, true);
    TestNetworks.assertSameBits("one share of every input", layer, whole);

    int[] cuts = {0, 37, 350, IN};
    float[] total = new float[batch * UNITS];
    float[] part = new float[batch * UNITS];
    for (int c = 0; c + 1 < cuts.length; c++) {
      java.util.Arrays.fill(part, Float.NaN); // every value is written
      model.splitForwardInputs(ws, x, batch, part, cuts[c], cuts[c + 1], c == 0);
      for (int i = 0; i < total.length; i++) {
        total[i] += part[i];
      }
    }
    float[] weight = model.parameters().get(0).value();
    float[] bias = model.parameters().get(1).value();
    for (int n = 0; n < batch; n++) {
      for (int o = 0; o < UNITS; o++) {
        double exact = bias[o];
        double scale = Math.abs(bias[o]);
        for (int k = 0; k < IN; k++) {
          exact += (double) x[n * IN + k] * weight[o * IN + k];
          scale += Math.abs((double) x[n * IN + k] * weight[o * IN + k]);
        }
        int i = n * UNITS + o;
        assertWithMessage("sample %s output %s", n, o).that((double) total[i]).isWithin(1e-6 * scale).of(exact);
        assertWithMessage("sample %s output %s", n, o).that((double) total[i]).isWithin(1e-6 * scale)
            .of(layer[i]);
      }
    }
  }

  /**
   * On two and three threads: a batch of at least four samples a thread split by samples, each sample's bits as on one
   * thread; a smaller one split by inputs, within rounding of one thread and the same bits from call to call.
   */
  @ParameterizedTest
  @CsvSource({"2, 1", "2, 7", "3, 1", "3, 11", "2, 8", "2, 64", "3, 13", "3, 64"})
  void matchesOneThread(int threads, int batch) {
    Model model = mlp().eval();
    Random random = new Random(threads * 100 + batch);
    float[] x = inputs(batch * IN, random);
    float[] expected = model.forward(model.newWorkspace(batch), x, batch).clone();
    try (ParallelInference parallel = new ParallelInference(model, threads, 64)) {
      Split split = parallel.splitFor(batch);
      assertThat(split).isEqualTo(batch >= 4 * threads ? Split.SAMPLES : Split.INPUTS);
      float[] y = TestNetworks.slice(parallel.forward(x, batch), 0, batch * 10);
      if (split == Split.SAMPLES) {
        TestNetworks.assertSameBits("outputs split by samples", expected, y);
      } else {
        for (int i = 0; i < y.length; i++) {
          assertWithMessage("output %s", i).that(y[i]).isWithin(1e-4f * (1 + Math.abs(expected[i])))
              .of(expected[i]);
        }
        float[] again = TestNetworks.slice(parallel.forward(x, batch), 0, batch * 10);
        TestNetworks.assertSameBits("a second call", y, again);
      }
      // The pool's first workspace serves every kind of call in turn: the split by inputs leaves it unsplit.
      float[] one = TestNetworks.slice(parallel.forward(x, 1), 0, 10);
      float[] big = TestNetworks.slice(parallel.forward(x, batch), 0, batch * 10);
      assertThat(one).hasLength(10);
      TestNetworks.assertSameBits("after other calls", y, big);
    }
  }

  /**
   * LeNet-5's convolutions: two with their ReLUs and 2x2 max pools in their kernels (6 and 16 filters, the first
   * padded; the Vector API's pooled kernels put the first's positions in lanes, the second's filters), then smaller
   * dense layers.
   */
  private static Model lenet() {
    return TestNetworks.network("{1, 28, 28}",
        "@Conv(filters = 6, kernel = 5, padding = 2, activation = Activation.RELU) ConvLayer c1();\n"
            + "  @Pool(size = 2) PoolLayer p1();\n"
            + "  @Conv(filters = 16, kernel = 5, activation = Activation.RELU) ConvLayer c2();\n"
            + "  @Pool(size = 2) PoolLayer p2();\n"
            + "  @Flatten FlattenLayer f();\n"
            + "  @Dense(units = 32, activation = Activation.RELU) DenseLayer d1();\n"
            + "  @Dense(units = 10) DenseLayer d2();");
  }

  /**
   * Grouped, strided and dilated convolutions with no pool (their outputs written whole), then a convolution with a
   * fused activation outside its kernel (tanh), which ends the leading convolutions.
   */
  private static Model groupedConvolutions() {
    return TestNetworks.network(GROUPED_INPUT, GROUPED_LAYERS);
  }

  private static final String GROUPED_INPUT = "{4, 12, 12}";
  private static final String GROUPED_LAYERS =
      "@Conv(filters = 10, kernel = 3, stride = 2, groups = 2, activation = Activation.RELU) ConvLayer c1();\n"
          + "  @Conv(filters = 7, kernel = 3, dilation = 2, padding = 1) ConvLayer c2();\n"
          + "  @Conv(filters = 5, kernel = 1, activation = Activation.TANH) ConvLayer c3();\n"
          + "  @Flatten FlattenLayer f();\n"
          + "  @Dense(units = 10) DenseLayer d();";

  /**
   * A leading convolution's forward kernel, which the split calls on ranges of filters, has a branch for each of the
   * one to three filters a range can leave over after its groups of four; any other convolution's kernel runs whole
   * groups in fixed blocks and has only the branches those leave (five filters in one block: one left over). The
   * branches are in the products method the forward kernel calls for each block of filters.
   */
  @Test
  void onlyTheLeadingConvolutionsKernelsTakeRangesOfFilters() throws java.io.IOException {
    String source = TestNetworks.generated(GROUPED_INPUT, GROUPED_LAYERS);
    for (String leading : List.of("c1Products", "c2Products")) {
      for (int left = 1; left <= 3; left++) {
        assertThat(TestNetworks.generatedMethod(source, leading)).contains("if (f1 - fg == " + left + ")");
      }
    }
    String last = TestNetworks.generatedMethod(source, "c3Products");
    assertThat(last).contains("if (f1 - fg == 1)");
    assertThat(last).doesNotContain("if (f1 - fg == 2)");
    assertThat(last).doesNotContain("if (f1 - fg == 3)");
  }

  /**
   * Every share of each leading convolution, in one to five shares (ranges of one to three filters left over from
   * groups of four, a range across a group's boundary, empty ranges where there are more shares than filters; six
   * samples, the first four of them from LeNet-5's first convolution's tap blocks, {@code ConvModel.tapBlocks}), run by
   * separate workspaces into one shared one, leaves there what the layers' own passes do: the network's outputs from
   * that workspace are its bits on one thread. With the Vector API kernels on, no convolution is offered.
   */
  @ParameterizedTest
  @CsvSource({"1", "3", "6"})
  void everyShareOfTheConvolutionsGivesTheirBits(int batch) {
    for (Model model : List.of(lenet().eval(), groupedConvolutions().eval())) {
      int convolutions = model.splitConvolutions();
      if (VectorBackend.ENABLED) {
        assertThat(convolutions).isEqualTo(0);
        continue;
      }
      assertThat(convolutions).isEqualTo(2);
      int in = model.inputShape().size();
      int out = model.outputShape().size();
      float[] x = inputs(batch * in, new Random(batch));
      float[] expected = model.forward(model.newWorkspace(batch), x, batch).clone();
      for (int shares = 1; shares <= 5; shares++) {
        Workspace shared = model.newWorkspace(batch);
        for (int c = 0; c < convolutions; c++) {
          for (int share = 0; share < shares; share++) {
            model.splitForwardConvolution(model.newWorkspace(batch), shared, x, batch, c, share, shares);
          }
        }
        shared.setConvolutionsDone(convolutions);
        TestNetworks.assertSameBits(shares + " shares", expected,
            TestNetworks.slice(model.forward(shared, x, batch), 0, batch * out));
        shared.clearConvolutionsDone();
        assertThat(shared.convolutionsDone()).isEqualTo(0);
        // Cleared, the workspace runs every layer again.
        TestNetworks.assertSameBits("after clearing", expected,
            TestNetworks.slice(model.forward(shared, x, batch), 0, batch * out));
      }
    }
  }

  /**
   * On two and three threads, fewer samples than threads of a network with leading convolutions are split by their
   * filters (run on the caller with the Vector API kernels on): the same bits as on one thread, call after call, and
   * the pool's first workspace serves a batch split by samples in between. 1,100 calls take both of the ways the pool
   * chooses between by their times (a run of 1,024 calls, then a trial of 64 the other way).
   */
  @ParameterizedTest
  @CsvSource({"2, 1", "3, 1", "3, 2"})
  void splitsTheLeadingConvolutions(int threads, int batch) {
    Model model = lenet().eval();
    int in = model.inputShape().size();
    float[] x = inputs(16 * in, new Random(threads * 10 + batch));
    float[] expected = model.forward(model.newWorkspace(batch), x, batch).clone();
    float[] expectedBatch = model.forward(model.newWorkspace(16), x, 16).clone();
    try (ParallelInference parallel = new ParallelInference(model, threads, 16)) {
      assertThat(parallel.splitFor(batch)).isEqualTo(VectorBackend.ENABLED ? Split.CALLER : Split.CONVOLUTIONS);
      for (int call = 0; call < 1100; call++) {
        TestNetworks.assertSameBits("call " + call, expected,
            TestNetworks.slice(parallel.forward(x, batch), 0, batch * 10));
        if (call % 100 == 0) {
          TestNetworks.assertSameBits("a batch split by samples", expectedBatch,
              TestNetworks.slice(parallel.forward(x, 16), 0, 16 * 10));
        }
      }
    }
  }

  @Test
  void refusesBadConvolutionSplits() {
    Model model = lenet();
    if (VectorBackend.ENABLED) {
      assertThrows(IllegalArgumentException.class,
          () -> model.eval().splitForwardConvolution(model.newWorkspace(1), model.newWorkspace(1), new float[784], 1,
              0, 0, 2));
      return;
    }
    Workspace scratch = model.newWorkspace(1);
    Workspace shared = model.newWorkspace(2);
    float[] x = new float[2 * 784];
    model.train();
    IllegalStateException training = assertThrows(IllegalStateException.class,
        () -> model.splitForwardConvolution(scratch, shared, x, 1, 0, 0, 2));
    assertThat(training).hasMessageThat().contains("eval()");
    model.eval();
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardConvolution(scratch, shared, x, 1, -1, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardConvolution(scratch, shared, x, 1, 2, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardConvolution(scratch, shared, x, 1, 0, 2, 2));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardConvolution(scratch, shared, x, 1, 0, -1, 2));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardConvolution(scratch, shared, x, 1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardConvolution(scratch, shared, x, 2, 0, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardConvolution(scratch, shared, x, 0, 0, 0, 2));
    assertThrows(IllegalArgumentException.class,
        () -> model.splitForwardConvolution(scratch, shared, new float[783], 1, 0, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> shared.setConvolutionsDone(-1));
    shared.setConvolutionsDone(3); // more than the network has
    assertThrows(IllegalArgumentException.class, () -> model.forward(shared, x, 1));
    shared.setConvolutionsDone(2);
    model.train();
    assertThrows(IllegalStateException.class, () -> model.forward(shared, x, 1));
    Model mlp = mlp().eval();
    assertThat(mlp.splitConvolutions()).isEqualTo(0);
    assertThrows(IllegalArgumentException.class,
        () -> mlp.splitForwardConvolution(mlp.newWorkspace(1), mlp.newWorkspace(1), new float[IN], 1, 0, 0, 2));
  }

  /**
   * A network whose first layer is a convolution that cannot split (its activation outside its kernel), or a dense
   * layer too small to pay for the handoff, can split neither way: a batch with a sample for every thread is split by
   * samples, a single sample runs on the caller.
   */
  @Test
  void networksThatCannotSplitRunSmallBatchesOnTheCaller() {
    Model conv = TestNetworks.network("{1, 8, 8}",
        "@Conv(filters = 4, kernel = 3, activation = Activation.TANH) ConvLayer a();\n"
            + "  @Dense(units = 64) DenseLayer b();").eval();
    assertThat(conv.splitConvolutions()).isEqualTo(0);
    Model small = TestNetworks.network("{300}", "@Dense(units = 96) DenseLayer a();").eval(); // 28,800 < 65,536
    for (Model model : List.of(conv, small)) {
      int in = model.inputShape().size();
      int out = model.outputShape().size();
      float[] x = inputs(16 * in, new Random(3));
      try (ParallelInference parallel = new ParallelInference(model, 2, 16)) {
        assertThat(parallel.splitFor(1)).isEqualTo(Split.CALLER);
        assertThat(parallel.splitFor(2)).isEqualTo(Split.SAMPLES);
        assertThat(parallel.splitFor(7)).isEqualTo(Split.SAMPLES);
        for (int batch : new int[] {1, 2, 3, 7, 16}) {
          float[] expected = model.forward(model.newWorkspace(batch), x, batch).clone();
          TestNetworks.assertSameBits("batch " + batch, expected,
              TestNetworks.slice(parallel.forward(x, batch), 0, batch * out));
        }
      }
    }
    try (ParallelInference one = new ParallelInference(mlp().eval(), 1, 8)) {
      assertThat(one.splitFor(1)).isEqualTo(Split.CALLER);
      assertThat(one.splitFor(8)).isEqualTo(Split.CALLER);
    }
  }

  @Test
  void refusesWhatItCannotRun() {
    Model model = mlp();
    assertThrows(IllegalArgumentException.class, () -> new ParallelInference(model, 0, 4));
    assertThrows(IllegalArgumentException.class, () -> new ParallelInference(model, 2, 0));
    try (ParallelInference parallel = new ParallelInference(model, 2, 4)) {
      float[] x = new float[4 * IN];
      model.train();
      IllegalStateException training = assertThrows(IllegalStateException.class, () -> parallel.forward(x, 1));
      assertThat(training).hasMessageThat().contains("eval()");
      model.eval();
      assertThrows(IllegalArgumentException.class, () -> parallel.forward(x, 0));
      assertThrows(IllegalArgumentException.class, () -> parallel.forward(x, 5));
      assertThrows(IllegalArgumentException.class, () -> parallel.forward(new float[IN - 1], 1));
      parallel.forward(x, 1); // still usable after the refusals
    }
    Workspace ws = model.newWorkspace(2);
    float[] sums = new float[2 * UNITS];
    float[] x = new float[2 * IN];
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardInputs(ws, x, 2, sums, -1, 10, true));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardInputs(ws, x, 2, sums, 10, 9, true));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardInputs(ws, x, 2, sums, 0, IN + 1, true));
    assertThrows(IllegalArgumentException.class,
        () -> model.splitForwardInputs(ws, x, 2, new float[2 * UNITS - 1], 0, IN, true));
    assertThrows(IllegalArgumentException.class, () -> model.splitForwardInputs(ws, x, 3, sums, 0, IN, true));
    Model conv = TestNetworks.network("{1, 8, 8}", "@Conv(filters = 4, kernel = 3) ConvLayer a();");
    assertThrows(UnsupportedOperationException.class,
        () -> conv.splitForwardInputs(conv.newWorkspace(1), new float[64], 1, new float[144], 0, 64, true));
    // A workspace given outputs that are too short for the batch is refused by the forward pass.
    Workspace given = model.eval().newWorkspace(2);
    given.setFirstLayerOutputs(new float[UNITS], 0);
    assertThrows(IllegalArgumentException.class, () -> model.forward(given, x, 2));
    assertThrows(NullPointerException.class, () -> given.setFirstLayerOutputs(null, 0));
    assertThrows(IllegalArgumentException.class, () -> given.setFirstLayerOutputs(sums, -1));
  }

  /** After warm-up, calls of every kind allocate nothing on the caller or the workers. */
  @Test
  void allocatesNothingPerCall() {
    allocatesNothingPerCall(mlp().eval());
    allocatesNothingPerCall(lenet().eval());
  }

  private static void allocatesNothingPerCall(Model model) {
    float[] x = inputs(16 * model.inputShape().size(), new Random(5));
    List<Thread> earlier = workers(); // other tests' pools, closed but perhaps not yet ended
    try (ParallelInference parallel = new ParallelInference(model, 2, 16)) {
      // Long enough for C2 to compile every path (the interpreter's and C1's code allocate where C2's does not).
      for (int i = 0; i < 10_000; i++) {
        parallel.forward(x, 1);
        parallel.forward(x, 16);
      }
      List<Thread> threads = workers();
      threads.removeAll(earlier);
      assertThat(threads).hasSize(1);
      threads.add(0, Thread.currentThread());
      long[] ids = threads.stream().mapToLong(Thread::getId).toArray();
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
      long[] before = mx.getThreadAllocatedBytes(ids);
      for (int i = 0; i < 2000; i++) {
        parallel.forward(x, 1);
        parallel.forward(x, 16);
      }
      long[] after = mx.getThreadAllocatedBytes(ids); // this array, 32 bytes, counts on the caller
      assertWithMessage("bytes on the caller").that(after[0] - before[0]).isLessThan(256L);
      assertWithMessage("bytes on the worker").that(after[1] - before[1]).isLessThan(256L);
    }
  }

  private static List<Thread> workers() {
    List<Thread> workers = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("kiln-inference")) {
        workers.add(t);
      }
    }
    return workers;
  }
}
