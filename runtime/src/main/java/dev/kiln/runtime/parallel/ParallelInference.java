package dev.kiln.runtime.parallel;

import dev.kiln.runtime.LayerTimes;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * One caller's inference on several threads: each {@link #forward} call is shared out among a fixed pool of threads
 * and returns when the whole batch is done, for a server that wants one request answered sooner rather than two
 * requests answered at once (for those, give each request thread its own {@link Workspace} instead).
 *
 * <p>How a call is shared out ({@link #splitFor}):
 *
 * <ul>
 *   <li>{@link Split#SAMPLES}: a batch of at least {@link #MIN_SAMPLES_PER_THREAD} samples a thread is cut into one
 *       run of samples per thread, each on its own workspace. Every sample's outputs are the same bits as in a pass
 *       on one thread (no kernel mixes samples). The threads after the first copy their samples' inputs first, since
 *       a pass reads its input from the start of its array. A network that cannot split by inputs (below) is cut so
 *       down to one sample a thread.
 *   <li>{@link Split#INPUTS}: a smaller batch (one sample above all) of a network whose first layer can be split
 *       ({@link Model#splitUnits()}: an MLP's first dense layer) with at least {@link #MIN_SPLIT_PRODUCTS}
 *       multiply-adds a sample. Each thread sums that layer's outputs over its own range of the layer's inputs ({@link
 *       Model#splitForwardInputs}), reading its own rows of the transposed weight, which is the layer's whole cost on
 *       one sample: the weight is streamed from memory once per sample. The caller adds the threads' sums and runs
 *       the rest of the network. The outputs are the one-thread pass's up to rounding (the layer's sums are added in
 *       another order), and the same bits from call to call. Split by outputs instead, each thread's loops would run
 *       over part of each weight row, which C2 leaves scalar at one sample (MLP 784-256-128-10: 21.5 µs split by
 *       outputs on two threads, 5.5 by inputs, 10.7 on one; scratch harness).
 *   <li>{@link Split#CONVOLUTIONS}: fewer samples than threads (one sample above all), of a network whose leading
 *       convolutions can be split ({@link Model#splitConvolutions()}: LeNet-5's two). Convolution by convolution,
 *       each thread runs its range of the filters on every sample ({@link Model#splitForwardConvolution}), copying
 *       the windows into its own workspace and writing its filters' output planes into the caller's; the caller then
 *       runs the rest of the network ({@link Workspace#setConvolutionsDone}). Each filter's sums are the same products
 *       in the same order, so the outputs are the same bits as on one thread. Each convolution costs one handoff to
 *       the other threads and back, which costs about twice as much when the host has placed the cores apart: there
 *       LeNet-5's split took longer than its pass on the caller alone. So such calls are timed, and run the way that
 *       took less time lately ({@link FasterOfTwo}: runs of 1,024 calls the faster way, then 64 the other), split or
 *       on the caller; both give the same bits. Not offered with the Vector API kernels on, whose single-sample
 *       LeNet-5 pass was faster on one thread than shared.
 *   <li>{@link Split#CALLER}: anything else (fewer samples than threads, of a network that can split neither its
 *       first layer by inputs nor its leading convolutions), on the calling thread alone.
 * </ul>
 *
 * <p>Waiting threads spin for a while before they park ({@link WorkerPool}), so calls that follow each other closely
 * find the workers awake; after a pause the first call pays for waking them. The model must be in inference mode
 * ({@link Model#eval()}): a batch norm in training mode would take statistics over each thread's share. Calls
 * allocate nothing. One caller at a time: a second concurrent call is refused.
 */
public final class ParallelInference implements AutoCloseable {
  /**
   * Samples a thread gets at least where a network that can split by inputs has its batch split by samples instead: a
   * dense layer's group of four samples.
   */
  public static final int MIN_SAMPLES_PER_THREAD = 4;
  /**
   * Multiply-adds a sample of the first layer needs at least for the split by inputs (a 256 x 256 layer). Chosen, not
   * measured at the boundary: the handoff to another thread and back, with the adding of the sums, cost about 0.5 µs
   * in the MLP's case (6.1 µs on two threads against 4.4 for half its first layer and 1.2 for the rest of the net),
   * and half of a layer this size takes about 1.5 µs on one thread.
   */
  public static final long MIN_SPLIT_PRODUCTS = 1 << 16;

  /** How {@link #forward} shares out a batch: see the class comment. */
  public enum Split {
    CALLER,
    SAMPLES,
    INPUTS,
    CONVOLUTIONS
  }

  private final Model model;
  private final int threads;
  private final int maxBatch;
  private final int inputSize;
  private final int outputSize;
  /** The first layer's outputs and inputs where the split by inputs is offered, else 0. */
  private final int splitUnits;
  private final int splitInputs;
  /** The leading convolutions a small batch is split on ({@link Split#CONVOLUTIONS}); 0 where it is not offered. */
  private final int convolutions;
  private final WorkerPool pool;
  /** Per thread: its workspace (the first holds {@code maxBatch}), its samples' inputs, its first-layer sums. */
  private final Workspace[] workspaces;
  private final float[][] shareInputs;
  private final float[][] sums;
  private final float[] output;
  private final IntConsumer samplesShare = this::samplesShare;
  private final IntConsumer inputsShare = this::inputsShare;
  private final IntConsumer convolutionShare = this::convolutionShare;
  /** Whether a call that could split by convolutions runs on the caller instead (see the class note). */
  private final FasterOfTwo convolutionsOrCaller = new FasterOfTwo();
  private final AtomicBoolean busy = new AtomicBoolean();
  /** The call in progress, read by the shares. */
  private float[] input;
  private int batch;
  /** The convolution the split by convolutions is on, read by the shares. */
  private int convolution;

  /**
   * A pool of {@code threads} threads (the caller and {@code threads - 1} daemon workers) for batches of up to
   * {@code maxBatch} samples of {@code model}, whose weights it shares with every other user of the model.
   */
  public ParallelInference(Model model, int threads, int maxBatch) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1: " + maxBatch);
    }
    this.model = model;
    this.threads = threads;
    this.maxBatch = maxBatch;
    this.inputSize = model.inputShape().size();
    this.outputSize = model.outputShape().size();
    int units = model.splitUnits();
    boolean byInputs = threads > 1 && units > 0 && (long) units * inputSize >= MIN_SPLIT_PRODUCTS;
    this.splitUnits = byInputs ? units : 0;
    this.splitInputs = byInputs ? inputSize : 0;
    this.convolutions = threads > 1 ? model.splitConvolutions() : 0;
    this.pool = threads > 1 ? new WorkerPool(threads, "kiln-inference") : null;
    // The other threads' workspaces hold the largest of a share by samples, a batch split by inputs and one split by
    // convolutions.
    int smallBatch = Math.min(maxBatch, threads * MIN_SAMPLES_PER_THREAD - 1);
    int shareRows = Math.max((maxBatch + threads - 1) / threads, byInputs ? smallBatch : 0);
    if (convolutions > 0) {
      shareRows = Math.max(shareRows, Math.min(maxBatch, threads - 1));
    }
    this.workspaces = new Workspace[threads];
    this.shareInputs = new float[threads][];
    this.sums = new float[threads][];
    for (int t = 0; t < threads; t++) {
      workspaces[t] = model.newWorkspace(t == 0 ? maxBatch : Math.max(1, shareRows));
      workspaces[t].setInputGradientWanted(false);
      if (t > 0) {
        shareInputs[t] = new float[Math.multiplyExact(shareRows, inputSize)];
      }
      if (byInputs) {
        sums[t] = new float[Math.multiplyExact(smallBatch, units)];
      }
    }
    this.output = new float[Math.multiplyExact(maxBatch, outputSize)];
  }

  public int threads() {
    return threads;
  }

  /**
   * Where the calls spent their time, layer by layer, summed over this pool's threads (its workspaces' {@link
   * LayerTimes}, the shares of a split first layer or convolution counted towards that layer), where the JVM was
   * started with {@code -Dkiln.profile=true}; null otherwise. A snapshot: read it between calls. {@link
   * #resetLayerTimes} starts the count again.
   */
  public LayerTimes layerTimes() {
    return LayerTimes.ENABLED ? LayerTimes.sumOf(workspaces) : null;
  }

  /** Forgets the times {@link #layerTimes} has recorded so far (nothing where the JVM does not profile). */
  public void resetLayerTimes() {
    if (LayerTimes.ENABLED) {
      LayerTimes.resetAll(workspaces);
    }
  }

  public int maxBatch() {
    return maxBatch;
  }

  /** How {@link #forward} shares out a batch of {@code batch} samples. */
  public Split splitFor(int batch) {
    if (threads == 1) {
      return Split.CALLER;
    }
    if (batch >= threads * MIN_SAMPLES_PER_THREAD) {
      return Split.SAMPLES;
    }
    if (splitUnits > 0) {
      return Split.INPUTS;
    }
    if (batch >= threads) {
      return Split.SAMPLES;
    }
    return convolutions > 0 ? Split.CONVOLUTIONS : Split.CALLER;
  }

  /**
   * Runs the network on {@code batch} samples of {@code input} (batch-major, as {@link Model#forward}) on this pool's
   * threads.
   *
   * @return an array whose first {@code batch * outputShape().size()} values are the outputs, valid until the next
   *     call
   */
  public float[] forward(float[] input, int batch) {
    if (batch < 1 || batch > maxBatch) {
      throw new IllegalArgumentException("batch " + batch + " outside 1.." + maxBatch);
    }
    if (input.length < (long) batch * inputSize) {
      throw new IllegalArgumentException("input holds " + input.length + " values; batch " + batch + " of "
          + model.inputShape() + " needs " + (long) batch * inputSize);
    }
    if (model.isTraining()) {
      throw new IllegalStateException("parallel inference needs the model in inference mode: call eval() first");
    }
    if (!busy.compareAndSet(false, true)) {
      throw new IllegalStateException("a ParallelInference serves one caller at a time; give each caller its own");
    }
    try {
      switch (splitFor(batch)) {
        case SAMPLES:
          return bySamples(input, batch);
        case INPUTS:
          return byInputs(input, batch);
        case CONVOLUTIONS:
          return byConvolutionsOrCaller(input, batch);
        default:
          return model.forward(workspaces[0], input, batch);
      }
    } finally {
      this.input = null;
      busy.set(false);
    }
  }

  private float[] bySamples(float[] input, int batch) {
    this.input = input;
    this.batch = batch;
    pool.run(samplesShare);
    return output;
  }

  /** Thread {@code t}'s run of samples: its inputs copied (but the first's), its pass, its outputs copied out. */
  private void samplesShare(int t) {
    int from = shareStart(t, batch);
    int count = shareStart(t + 1, batch) - from;
    float[] x = input;
    if (t > 0) {
      System.arraycopy(input, from * inputSize, shareInputs[t], 0, count * inputSize);
      x = shareInputs[t];
    }
    float[] y = model.forward(workspaces[t], x, count);
    System.arraycopy(y, 0, output, from * outputSize, count * outputSize);
  }

  private int shareStart(int t, int count) {
    return (int) ((long) t * count / threads);
  }

  private float[] byInputs(float[] input, int batch) {
    this.input = input;
    this.batch = batch;
    pool.run(inputsShare);
    float[] total = sums[0];
    int n = batch * splitUnits;
    for (int t = 1; t < threads; t++) {
      float[] part = sums[t];
      for (int i = 0; i < n; i++) {
        total[i] += part[i];
      }
    }
    Workspace ws = workspaces[0];
    ws.setFirstLayerOutputs(total, 0);
    try {
      return model.forward(ws, input, batch);
    } finally {
      ws.clearFirstLayerSplit();
    }
  }

  /** Thread {@code t}'s range of the first layer's inputs, summed for every output; the first adds the bias. */
  private void inputsShare(int t) {
    model.splitForwardInputs(workspaces[t], input, batch, sums[t], shareStart(t, splitInputs),
        shareStart(t + 1, splitInputs), t == 0);
  }

  /** A small batch split by convolutions or run on the caller, whichever took less time per sample lately. */
  private float[] byConvolutionsOrCaller(float[] input, int batch) {
    boolean onCaller = convolutionsOrCaller.second();
    long start = System.nanoTime();
    float[] output = onCaller ? model.forward(workspaces[0], input, batch) : byConvolutions(input, batch);
    convolutionsOrCaller.record((System.nanoTime() - start) / batch);
    return output;
  }

  private float[] byConvolutions(float[] input, int batch) {
    this.input = input;
    this.batch = batch;
    // Each convolution reads the one before's output from the caller's workspace: all threads finish one first.
    for (int c = 0; c < convolutions; c++) {
      this.convolution = c;
      pool.run(convolutionShare);
    }
    Workspace ws = workspaces[0];
    ws.setConvolutionsDone(convolutions);
    try {
      return model.forward(ws, input, batch);
    } finally {
      ws.clearConvolutionsDone();
    }
  }

  /** Thread {@code t}'s share of the current convolution, written into the caller's workspace. */
  private void convolutionShare(int t) {
    model.splitForwardConvolution(workspaces[t], workspaces[0], input, batch, convolution, t, threads);
  }

  /** Stops the worker threads; idempotent. */
  @Override
  public void close() {
    if (pool != null) {
      pool.close();
    }
  }
}
