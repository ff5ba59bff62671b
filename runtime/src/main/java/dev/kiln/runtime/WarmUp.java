package dev.kiln.runtime;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Runs a network's inference on made-up inputs until the JIT has compiled it, so that a server's first real requests
 * do not pay for the compilation.
 *
 * <p>Why a server wants it: a generated network starts in the JVM's interpreter and reaches its compiled speed only
 * after thousands of calls. On LeNet-5 at batch 1, a cold JVM's first call takes tens of milliseconds and calls stay
 * ten to a hundred times slower than the compiled ones for about a second (see docs/performance.md, "The first
 * requests"). And the JIT compiles for the inputs it has seen: a network called only on inputs without a single zero
 * gets code with the paths that zeros take left out, and the first input with zeros (any real image's background)
 * throws it back into the interpreter and is recompiled while requests wait. So the made-up inputs mix every kind a
 * request may bring, sample by sample: values in [0, 1), values in [-1, 1), half zeros, nine tenths zeros and all
 * zeros; and the calls go through every batch size whose code differs (1 to 5, 8, 16 and the largest).
 *
 * <p>When to stop is read from the JVM: the calls run in rounds of at least {@value #ROUND_MILLIS} ms, and the
 * warm-up stops once it has made at least {@value #MIN_CALLS} calls, the JIT compiler has finished no compilation
 * worth more than {@value #IDLE_JIT_MILLIS} ms in each of the last {@value #SETTLED_ROUNDS} rounds (from {@link
 * CompilationMXBean}) and the times per sample of those rounds are within 15% of each other; or when the budget is
 * spent, whichever comes first. The count is there because the JIT's timer only moves when a compilation ends: one
 * large method in HotSpot's optimising compiler can take longer than three rounds, and without the count a warm-up
 * stopped after a quarter of a second in four of ten fresh JVMs, its calls still ten to twenty times slower than
 * compiled ones. HotSpot sends a method to that compiler after 5,000 calls ({@code Tier4InvocationThreshold}); twice
 * that many calls have every method that runs once per call queued and, by the time the JIT is idle, compiled. Other
 * threads compiling at the same time can keep the JIT busy; the budget bounds the wait then, and the report says
 * whether the warm-up settled. So does a network whose calls are so long that {@value #MIN_CALLS} of them do not fit
 * in the budget (its loops are compiled early anyway, after a few calls, by their back-edge counts).
 *
 * <p>Warm with the batch sizes you will serve, no larger: the JIT compiles a loop for the trip counts it has seen,
 * and keeps that code. A convolution's loops run over its positions times the samples it lays side by side, so in a
 * JVM that saw batches of 64 first, LeNet-5's one-image calls ran at 25-33 µs, against 20-21 µs after a warm-up at
 * batch 1 only (docs/performance.md, "C2's machine code, read"). A server answering one image a request warms a
 * workspace of one.
 *
 * <p>Use it on a model in inference mode ({@link Model#eval()}): a training forward pass would update batch norm's
 * running statistics with the made-up inputs. The outputs are thrown away; nothing else about the model changes.
 */
public final class WarmUp {
  /** A round's least length: long enough for the JIT's timer to show a compilation, short enough to stop soon. */
  static final int ROUND_MILLIS = 50;
  /** A round with at most this much compiling counts as idle (the JIT's other work, and its timer's granularity). */
  static final int IDLE_JIT_MILLIS = 2;
  /** Calls a warm-up makes at least before it may settle: twice HotSpot's count for the optimising compiler. */
  static final int MIN_CALLS = 10_000;
  /** Idle rounds in a row that make a warm-up settled. */
  static final int SETTLED_ROUNDS = 3;
  /** Sample kinds, one per made-up input array: see the class comment. */
  static final int KINDS = 5;
  /** Batch sizes at or below this get arrays of their own per kind; the largest batch shares one mixed array. */
  private static final int SMALL_BATCH = 16;
  private static final long SEED = 0x6b696c6eL;

  private WarmUp() {}

  /** One inference call: {@code model.forward(workspace, input, batch)}, or {@code parallel.forward(input, batch)}. */
  @FunctionalInterface
  public interface Inference {
    /** Runs the network on the first {@code batch} samples of {@code input}; the result is ignored. */
    float[] run(float[] input, int batch);
  }

  /**
   * What a warm-up did.
   *
   * @param calls inference calls made
   * @param samples samples those calls ran, over every batch size
   * @param elapsed the warm-up's wall-clock time
   * @param settled true when it stopped because the JIT was idle and the time per sample flat; false when the
   *     budget ran out first
   * @param nanosPerSample the last round's time per sample (its batch sizes in the same mix as every round's)
   */
  public record Report(long calls, long samples, Duration elapsed, boolean settled, double nanosPerSample) {
    @Override
    public String toString() {
      return String.format("%,d calls (%,d samples) in %d ms, %s; last round %.2f µs a sample", calls, samples,
          elapsed.toMillis(), settled ? "settled" : "budget spent before the JIT settled", nanosPerSample / 1e3);
    }
  }

  /**
   * Warms up {@code model}'s forward pass on {@code workspace}, at every batch size up to the workspace's largest (so
   * give it a workspace no larger than the batches it will serve: see the class comment).
   *
   * @throws IllegalStateException if the model is in training mode
   */
  public static Report run(Model model, Workspace workspace, Duration budget) {
    if (model.isTraining()) {
      throw new IllegalStateException("warm up a model in inference mode (model.eval()): a training forward pass "
          + "would update its batch norm statistics with made-up inputs");
    }
    return run((input, batch) -> model.forward(workspace, input, batch), model.inputShape().size(),
        workspace.maxBatch(), budget);
  }

  /**
   * Warms up any inference call that takes {@code inputSize} floats a sample and up to {@code maxBatch} samples.
   *
   * @param budget the longest the warm-up may take (a call that is running when it ends is finished first)
   */
  public static Report run(Inference inference, int inputSize, int maxBatch, Duration budget) {
    if (inputSize < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("input size and largest batch must be positive: " + inputSize + ", "
          + maxBatch);
    }
    if (budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("budget must be positive: " + budget);
    }
    List<Integer> sizes = batchSizes(maxBatch);
    // Small batches rotate through arrays that start at each kind, so a batch of one sees every kind in turn.
    float[][] small = new float[KINDS][];
    for (int k = 0; k < KINDS; k++) {
      small[k] = inputs(inputSize, Math.min(maxBatch, SMALL_BATCH), k);
    }
    float[] large = maxBatch > SMALL_BATCH ? inputs(inputSize, maxBatch, 0) : null;
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();

    long start = System.nanoTime();
    long deadline = start + budget.toNanos();
    long calls = 0;
    long samples = 0;
    int idleRounds = 0;
    double[] recent = new double[SETTLED_ROUNDS]; // the last rounds' times per sample, round r at r % SETTLED_ROUNDS
    int rounds = 0;
    double last = Double.NaN;
    boolean settled = false;
    int kind = 0;
    while (!settled && System.nanoTime() < deadline) {
      long jitBefore = jitTimed ? jit.getTotalCompilationTime() : 0;
      long roundStart = System.nanoTime();
      long roundSamples = 0;
      do {
        for (int batch : sizes) {
          float[] input = batch <= SMALL_BATCH ? small[kind] : large;
          kind = (kind + 1) % KINDS;
          inference.run(input, batch);
          calls++;
          roundSamples += batch;
          if (System.nanoTime() >= deadline) {
            break;
          }
        }
      } while (System.nanoTime() - roundStart < ROUND_MILLIS * 1_000_000L && System.nanoTime() < deadline);
      long roundEnd = System.nanoTime();
      samples += roundSamples;
      last = (double) (roundEnd - roundStart) / roundSamples;
      recent[rounds++ % SETTLED_ROUNDS] = last;
      boolean jitIdle = !jitTimed || jit.getTotalCompilationTime() - jitBefore <= IDLE_JIT_MILLIS;
      idleRounds = jitIdle ? idleRounds + 1 : 0;
      settled = calls >= MIN_CALLS && idleRounds >= SETTLED_ROUNDS && flat(recent)
          && roundEnd - roundStart >= ROUND_MILLIS * 1_000_000L;
    }
    return new Report(calls, samples, Duration.ofNanos(System.nanoTime() - start), settled, last);
  }

  /**
   * Whether the last rounds' times per sample are within 15% of each other. Not against the best round so far: the
   * host's speed drifts by more than that over seconds, and one lucky round would keep a warm-up from ever settling.
   */
  static boolean flat(double[] recent) {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (double t : recent) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    return max <= 1.15 * min;
  }

  /** 1 to 5 (a group of four samples and what is left of one), 8 and 16 (paths that share samples out), the largest. */
  static List<Integer> batchSizes(int maxBatch) {
    TreeSet<Integer> sizes = new TreeSet<>();
    for (int b : new int[] {1, 2, 3, 4, 5, 8, 16}) {
      if (b <= maxBatch) {
        sizes.add(b);
      }
    }
    sizes.add(maxBatch);
    return new ArrayList<>(sizes);
  }

  /**
   * {@code batch} made-up samples of {@code size} values, sample {@code j} of kind {@code (first + j) % KINDS}: 0
   * values in [0, 1), 1 in [-1, 1), 2 half zeros, 3 nine tenths zeros, 4 all zeros (the rest of kinds 2 and 3 in [0,
   * 1)).
   */
  static float[] inputs(int size, int batch, int first) {
    long values = (long) size * batch;
    if (values > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a batch of " + batch + " samples of " + size + " values is too large");
    }
    SplittableRandom random = new SplittableRandom(SEED + first);
    float[] x = new float[(int) values];
    for (int j = 0; j < batch; j++) {
      int kind = (first + j) % KINDS;
      for (int i = j * size; i < (j + 1) * size; i++) {
        x[i] = switch (kind) {
          case 0 -> (float) random.nextDouble();
          case 1 -> (float) (2 * random.nextDouble() - 1);
          case 2 -> random.nextBoolean() ? 0f : (float) random.nextDouble();
          case 3 -> random.nextInt(10) != 0 ? 0f : (float) random.nextDouble();
          default -> 0f;
        };
      }
    }
    return x;
  }
}
