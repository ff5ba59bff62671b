package dev.kiln.runtime.train;

import dev.kiln.runtime.LayerTimes;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.data.BatchIterator;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.kernel.Elementwise;
import dev.kiln.runtime.loss.ClassLoss;
import dev.kiln.runtime.loss.Loss;
import dev.kiln.runtime.metrics.ConfusionMatrix;
import dev.kiln.runtime.metrics.Metrics;
import dev.kiln.runtime.optim.Optimizer;
import dev.kiln.runtime.parallel.WorkerPool;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs batches through a model, whole or split into shards over a {@link WorkerPool}: the forward pass, the loss
 * and its gradient, and in training the backward pass and the reduction of per-shard gradients into the model's
 * {@link Parameter#grad()} arrays. Everything it touches per batch (workspaces, shard copies of inputs, labels and
 * targets, loss gradients) is allocated once here.
 *
 * <p>Sharding: shard {@code t} of a batch of {@code n} gets rows {@code [t n / s, (t + 1) n / s)}. Shard 0 adds its
 * gradients straight into the model's arrays; every other shard's workspace has private gradient arrays, so shards
 * never write the same memory. After all have finished, each thread adds one slice of every other shard's gradients
 * onto the model's, in shard order, which keeps the result deterministic (and the same as summing all shards into
 * zeroed arrays: the first addition onto zero is exact). Every
 * loss in {@code dev.kiln.runtime.loss} is a mean normalised by {@code 1 / batch} (times a constant), so a shard's
 * gradient is scaled by {@code m / n} to make the sum equal the whole batch's gradient.
 *
 * <p>A model whose first layer may be split by outputs ({@link Model#splitUnits}, an MLP's first dense layer) trains
 * that layer split that way instead. Thread {@code t} of {@code s} owns the layer's outputs {@code [t u / s, (t + 1)
 * u / s)} of {@code u}. Where the model splits the layer's forward pass too ({@link Model#splitsForward}: the Vector
 * API kernels, and the default loops on two threads), every thread first computes its outputs for the whole batch;
 * then every shard runs its forward and backward passes as above (taking its rows of those outputs rather than
 * computing the layer), leaving the layer's output gradient for its samples in one array for the batch; then every
 * thread sets its rows of the layer's weight gradient from the whole batch, and reduces its slice of the other
 * gradients. Where the thread count divides {@code u}, the optimizer step's slices of that weight ({@link
 * Optimizer#stepPart}) and the rows of its copies a thread remakes ({@link Model#repackPart}) are the same rows: a
 * thread then writes only its own rows of the largest weight and its gradient (and, with the forward pass split,
 * reads only its own), where split by samples the threads exchanged both on every step (about 900 KB each way for the
 * MLP). The cost: a thread's share runs over the whole batch on its own workspace, so with a split every shard's
 * workspace holds a whole batch, not its share of one (twice the workspace memory on two threads). So batches of more
 * than {@link #SPLIT_MAX_BATCH} are not split: the traffic a split saves is the same for any batch, a smaller share
 * of a larger batch's step, while the memory grows with the batch (the MLP's workspace takes about 14 KB a sample; a
 * full batch of 60,000 would double 1.7 GB).
 *
 * <p>Balanced ({@code Trainer.Builder.balanceThreads}), a training batch's shards are cut by the threads' measured
 * times ({@link ShardBalance}) instead of evenly, each up to half as much again as an even share (what the
 * workspaces and shard copies then hold). Every other split (the gradient slices, the split layer's outputs, the
 * optimizer step) stays as it is: only the samples move.
 */
final class BatchEngine {
  /** The largest batch whose first layer is split by outputs (see the class note). */
  static final int SPLIT_MAX_BATCH = 256;

  /**
   * Elements (of 4 bytes) after the used part of a per-thread row that two threads write at once: a 64-byte cache line.
   * Unpadded, the end of the first thread's scratch row for the gradient check and the start of the second's shared
   * a line, which moved between the cores at every chunk: on the MLP's 2-thread step the second thread's check took
   * 37-42 µs against 26-32 padded (scratch copy of this class with timers, JVMs alternating).
   */
  static final int LINE_PAD = 16;

  private final Model model;
  private final WorkerPool pool;
  private final int shards;
  private final int capacity;
  private final int inWidth;
  private final int outWidth;
  private final Workspace[] ws;
  private final float[][] inputs;
  private final int[][] labels;
  private final float[][] targets;
  private final float[][] gradOut;
  private final boolean[] active;
  private final double[] lossSum;
  private final int[] correct;
  private final float[][] modelGrads;
  /**
   * Whether {@link #train} looks for NaN and infinite gradients, and where each thread found the first in its slice
   * of each parameter's gradient ({@code [thread][parameter]}, -1 for none). Each thread checks the slices it has
   * just reduced or set, still in its own cache; on one thread the caller checks everything. The trainer reads the
   * first of them ({@link #firstNonFinite}).
   */
  private final boolean checkFinite;
  private final int[][] nonFinite;
  private final float[][] finiteScratch;
  /** Where each shard's samples start in the batch in flight, and where the last ends ({@code [shards]}). */
  private final int[] starts;
  /** Cuts training batches by the threads' measured times, or null to cut every batch evenly. */
  private final ShardBalance balance;
  private final IntConsumer shardTask = this::shard;
  private final IntConsumer reduceTask = this::reduce;
  private final IntConsumer stepTask = this::stepPart;
  private final IntConsumer repackTask = this::repackPart;
  private final IntConsumer splitForwardTask = this::splitForward;
  private final IntConsumer splitGradientTask = this::splitGradient;
  /** The first layer's units if it is split by outputs (see the class note), else 0. */
  private final int splitUnits;
  /** Parameters of the split layer, first in the model's list: their gradients are not reduced. */
  private final int splitParameters;
  /** The split layer's outputs and output gradients for the whole batch; null without a split. */
  private final float[] splitOutputs;
  private final float[] splitGradients;
  /** The optimizer of the step in progress, for {@link #stepTask}. */
  private Optimizer stepping;
  /** The calling thread's time in each phase of the steps, and the steps, where the JVM profiles; see profile(). */
  private final long[] phaseNanos = new long[TrainingProfile.Phase.values().length];
  private long profiledSteps;

  // The batch in flight, read by every shard.
  private Batch batch;
  private int n;
  private Loss loss;
  private ClassLoss classLoss;
  private boolean training;
  private ConfusionMatrix[] confusion;

  /**
   * @param capacity the largest batch
   * @param pool null (or of size 1) for single-threaded work
   * @param balanced whether training batches are cut by the threads' measured times ({@link ShardBalance}) on several
   *     threads
   */
  BatchEngine(Model model, int capacity, WorkerPool pool, boolean checkFinite, boolean balanced) {
    this.model = model;
    this.checkFinite = checkFinite;
    this.capacity = capacity;
    this.shards = pool == null ? 1 : Math.min(pool.size(), capacity);
    this.pool = shards > 1 ? pool : null;
    this.inWidth = model.inputShape().size();
    this.outWidth = model.outputShape().size();
    int per = (capacity + shards - 1) / shards;
    // The most samples one shard takes: an even share, or balanced half as much again.
    int maxShare = balanced && shards > 1 ? Math.min(capacity, per + (per + 1) / 2) : per;
    this.balance = balanced && shards > 1 ? new ShardBalance(shards, maxShare) : null;
    this.starts = new int[shards + 1];
    int units = model.splitUnits();
    // A share of at least 32 outputs each (see DenseCode.SPLIT_MIN_UNITS in the processor).
    this.splitUnits = shards > 1 && units / shards >= 32 && capacity <= SPLIT_MAX_BATCH ? units : 0;
    this.splitParameters = splitUnits > 0 ? model.splitParameters() : 0;
    this.splitOutputs = splitUnits > 0 && model.splitsForward(shards)
        ? new float[Math.multiplyExact(capacity, splitUnits)] : null;
    this.splitGradients = splitUnits > 0 ? new float[Math.multiplyExact(capacity, splitUnits)] : null;
    // A split layer's shares run over the whole batch on each thread's workspace, so those hold a whole batch.
    int rows = splitUnits > 0 ? capacity : maxShare;
    ws = new Workspace[shards];
    inputs = new float[shards][];
    labels = new int[shards][];
    targets = new float[shards][];
    gradOut = new float[shards][];
    active = new boolean[shards];
    lossSum = new double[shards];
    correct = new int[shards];
    for (int t = 0; t < shards; t++) {
      // Shard 0 accumulates straight into the model's gradients; the others get private ones, reduced onto those.
      ws[t] = t == 0 ? model.newWorkspace(rows) : model.newPrivateWorkspace(rows);
      ws[t].setInputGradientWanted(false); // training never reads the input's gradient
      gradOut[t] = new float[Math.multiplyExact(maxShare, outWidth)];
      if (t > 0) { // shard 0 starts at row 0, so it reads the batch's own arrays
        inputs[t] = new float[Math.multiplyExact(maxShare, inWidth)];
        labels[t] = new int[maxShare];
        targets[t] = new float[Math.multiplyExact(maxShare, outWidth)];
      }
    }
    List<Parameter> params = model.parameters();
    // Each thread writes its own row of these on every step; the rows are allocated one after another, so each is
    // padded past its last used element by a cache line (LINE_PAD) lest two threads write the same line.
    nonFinite = new int[shards][params.size() + LINE_PAD];
    finiteScratch = checkFinite ? new float[shards][Elementwise.FINITE_CHUNK + LINE_PAD] : null;
    modelGrads = new float[params.size()][];
    for (int i = 0; i < modelGrads.length; i++) {
      modelGrads[i] = params.get(i).grad();
    }
  }

  int capacity() {
    return capacity;
  }

  int shards() {
    return shards;
  }

  /** The balancer of training batches' shards, or null where they are cut evenly (for tests). */
  ShardBalance shardBalance() {
    return balance;
  }

  /** Where shard {@code t}'s samples of the last batch started ({@code t == shards()}: the batch's size). */
  int shardStart(int t) {
    return starts[t];
  }

  /** Seeds each shard's workspace generator (dropout masks) so that shards draw different, reproducible masks. */
  void seed(long seed) {
    for (int t = 0; t < shards; t++) {
      ws[t].rng().setState(new Rng(seed + 0x632BE59BD9B4E019L * (t + 1)).nextLong());
    }
  }

  /**
   * Forward, loss and backward of one batch in the model's current mode. Afterwards the model's parameter gradients
   * hold exactly this batch's gradient (they are overwritten, not added to), checked for NaN and infinities if this
   * engine checks them ({@link #firstNonFinite}).
   *
   * @param useLabels whether {@code loss} (then a {@link ClassLoss}) takes the batch's labels rather than targets
   * @return the batch's mean loss
   */
  double train(Batch b, Loss loss, boolean useLabels) {
    begin(b, loss, useLabels, true, null);
    long clock = LayerTimes.ENABLED ? System.nanoTime() : 0;
    if (splitUnits > 0) {
      if (splitOutputs != null) {
        run(splitForwardTask);
        clock = timePhase(TrainingProfile.Phase.SPLIT_FORWARD, clock);
      }
      runShards();
      clock = timePhase(TrainingProfile.Phase.SHARDS, clock);
      run(splitGradientTask);
      timePhase(TrainingProfile.Phase.SPLIT_GRADIENT, clock);
    } else {
      runShards();
      clock = timePhase(TrainingProfile.Phase.SHARDS, clock);
      if (shards > 1) {
        run(reduceTask);
      } else if (checkFinite) {
        checkSlices(0);
      }
      timePhase(TrainingProfile.Phase.REDUCE, clock);
    }
    if (LayerTimes.ENABLED) {
      profiledSteps++;
    }
    return totalLoss();
  }

  /**
   * Where the JVM profiles ({@link LayerTimes#ENABLED}): adds the time since {@code since} to {@code phase} and
   * returns the clock's reading; otherwise nothing (C2 drops it).
   */
  private long timePhase(TrainingProfile.Phase phase, long since) {
    if (!LayerTimes.ENABLED) {
      return 0;
    }
    long now = System.nanoTime();
    phaseNanos[phase.ordinal()] += now - since;
    return now;
  }

  /** The phases' times and steps since the last {@link #resetProfile}, and every shard's layer times summed. */
  TrainingProfile profile() {
    return new TrainingProfile(profiledSteps, phaseNanos, LayerTimes.sumOf(ws));
  }

  /** Starts the count of {@link #profile} again. */
  void resetProfile() {
    java.util.Arrays.fill(phaseNanos, 0);
    profiledSteps = 0;
    LayerTimes.resetAll(ws);
  }

  /**
   * The first index at which parameter {@code i}'s gradient is NaN or infinite after the last {@link #train}, or -1;
   * always -1 where this engine does not check.
   */
  int firstNonFinite(int i) {
    int first = -1;
    for (int t = 0; t < shards && checkFinite; t++) {
      int j = nonFinite[t][i];
      if (j >= 0 && (first < 0 || j < first)) {
        first = j;
      }
    }
    return first;
  }

  /** Thread {@code t}'s slices of every gradient (those {@link #reduce} gives it) checked for non-finite values. */
  private void checkSlices(int t) {
    for (int i = 0; i < modelGrads.length; i++) {
      float[] g = modelGrads[i];
      int from = sliceStart(g.length, t);
      int to = sliceStart(g.length, t + 1);
      nonFinite[t][i] = Elementwise.firstNonFinite(g, from, to, finiteScratch[t]);
    }
  }

  /** Thread {@code t}'s share of the split first layer's outputs, for the whole batch. */
  private void splitForward(int t) {
    if (t < shards) {
      model.splitForward(
          ws[t], batch.features(), n, splitOutputs, sliceStart(splitUnits, t), sliceStart(splitUnits, t + 1));
    }
  }

  /** Thread {@code t}'s rows of the split layer's weight gradient, then its slice of the other gradients. */
  private void splitGradient(int t) {
    if (t < shards) {
      model.splitWeightGradient(
          ws[t], batch.features(), splitGradients, n, sliceStart(splitUnits, t), sliceStart(splitUnits, t + 1));
      reduce(t);
    }
  }

  /**
   * Where thread {@code t}'s share of {@code length} things starts: its samples of a batch, its slice of a gradient
   * to reduce and check, its outputs of a split layer (as {@link Model#repackPart} splits rows).
   */
  private int sliceStart(int length, int t) {
    return (int) ((long) t * length / shards);
  }

  /**
   * One optimizer step on the gradients {@link #train} left in the model: split across the threads when there are
   * several (each updates a slice of every parameter, which gives exactly the values of a single-threaded step, and
   * then remakes the same rows of the weight copies the forward pass derives, {@link Model#repackPart}).
   */
  void step(Optimizer optimizer) {
    long clock = LayerTimes.ENABLED ? System.nanoTime() : 0;
    if (pool == null) {
      optimizer.step();
      timePhase(TrainingProfile.Phase.OPTIMIZER, clock);
      return;
    }
    stepping = optimizer;
    try {
      run(stepTask);
    } finally {
      stepping = null;
    }
    optimizer.finishSplitStep();
    clock = timePhase(TrainingProfile.Phase.OPTIMIZER, clock);
    // The forward pass's transposed weights, remade here by every thread for its share of their rows, rather than by
    // the first forward pass of the next batch on one thread while the others wait.
    run(repackTask);
    model.finishRepack();
    timePhase(TrainingProfile.Phase.REPACK, clock);
  }

  private void repackPart(int t) {
    if (t < shards) {
      model.repackPart(t, shards);
    }
  }

  private void stepPart(int t) {
    if (t < shards) {
      stepping.stepPart(t, shards);
    }
  }

  /** Forward (and the loss, if given) of one batch; counts predictions into {@code perShard} confusion matrices. */
  double infer(Batch b, Loss loss, boolean useLabels, ConfusionMatrix[] perShard) {
    begin(b, loss, useLabels, false, perShard);
    run(shardTask);
    return totalLoss();
  }

  /** Correct arg-max predictions in the last batch. */
  int correct() {
    int c = 0;
    for (int t = 0; t < shards; t++) {
      c += correct[t];
    }
    return c;
  }

  /**
   * Evaluates a data set in inference mode, restoring the model's mode afterwards.
   *
   * @param it batches of {@code data}, at most {@link #capacity()} each
   * @param loss may be null
   */
  Evaluation evaluate(BatchIterator it, Dataset data, Loss loss, boolean useLabels) {
    boolean wasTraining = model.isTraining();
    model.eval();
    try {
      boolean classes = data.hasLabels() && outWidth > 1;
      ConfusionMatrix[] perShard = null;
      int k = Math.max(data.numClasses(), outWidth);
      if (classes) {
        perShard = new ConfusionMatrix[shards];
        for (int t = 0; t < shards; t++) {
          perShard[t] = new ConfusionMatrix(k);
        }
      }
      double sum = 0;
      it.reset();
      while (it.hasNext()) {
        Batch b = it.next();
        double l = infer(b, loss, useLabels, perShard);
        sum += l * b.size();
      }
      ConfusionMatrix total = null;
      if (classes) {
        List<String> names = data.classNames() != null && data.classNames().size() == k ? data.classNames() : null;
        total = new ConfusionMatrix(k, names);
        for (ConfusionMatrix m : perShard) {
          total.addAll(m);
        }
      }
      return new Evaluation(data.size(), loss == null ? Double.NaN : sum / data.size(), total);
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
  }

  private void begin(Batch b, Loss loss, boolean useLabels, boolean training, ConfusionMatrix[] perShard) {
    if (b.size() > capacity) {
      throw new IllegalArgumentException("batch of " + b.size() + " exceeds this engine's " + capacity);
    }
    this.batch = b;
    this.n = b.size();
    this.loss = loss;
    this.classLoss = useLabels ? (ClassLoss) loss : null;
    this.training = training;
    this.confusion = perShard;
    if (!training || balance == null || !balance.split(n, starts)) {
      for (int t = 0; t <= shards; t++) {
        starts[t] = sliceStart(n, t);
      }
    }
  }

  private double totalLoss() {
    if (loss == null) {
      return Double.NaN;
    }
    double s = 0;
    for (int t = 0; t < shards; t++) {
      s += lossSum[t];
    }
    return s / n;
  }

  /** The shards of a training batch; with balancing, timed as the caller waits for them. */
  private void runShards() {
    long began = balance != null ? System.nanoTime() : 0;
    run(shardTask);
    if (balance != null) {
      balance.recordStep(System.nanoTime() - began);
    }
  }

  private void run(IntConsumer task) {
    if (pool == null) {
      task.accept(0);
    } else {
      pool.run(task);
    }
  }

  private void shard(int t) {
    if (t >= shards) {
      return; // the pool may be larger than a small batch's shard count
    }
    int from = starts[t];
    int to = starts[t + 1];
    int m = to - from;
    active[t] = m > 0;
    lossSum[t] = 0;
    correct[t] = 0;
    boolean split = training && splitUnits > 0;
    if (training && (t == 0 || m > 0)) {
      // Shard 0's are the model's own, which the reduction adds the others onto, so they are zeroed even when the
      // shard is empty; another empty shard's private ones are left stale, and the reduction skips them. A split
      // layer's are set, row range by row range, by the threads that own them.
      ws[t].zeroGradients(split ? splitParameters : 0);
    }
    if (split) {
      ws[t].setFirstLayerSplit(splitOutputs, splitGradients, from);
    } else {
      ws[t].clearFirstLayerSplit();
    }
    if (m == 0) {
      return;
    }
    float[] x = batch.features();
    int[] lb = batch.labels();
    float[] tg = batch.targets();
    if (t > 0) {
      System.arraycopy(x, from * inWidth, inputs[t], 0, m * inWidth);
      x = inputs[t];
      if (lb != null) {
        System.arraycopy(lb, from, labels[t], 0, m);
        lb = labels[t];
      }
      if (tg != null) {
        System.arraycopy(tg, from * outWidth, targets[t], 0, m * outWidth);
        tg = targets[t];
      }
    }
    long began = balance != null && training ? System.nanoTime() : 0;
    float[] out = model.forward(ws[t], x, m);
    float[] g = gradOut[t];
    if (loss != null) {
      float l = classLoss != null ? classLoss.compute(out, lb, m, outWidth, g) : loss.compute(out, tg, m, outWidth, g);
      lossSum[t] = (double) l * m;
    }
    if (lb != null && outWidth > 1) {
      if (confusion != null) {
        ConfusionMatrix cm = confusion[t];
        int c = 0;
        for (int i = 0; i < m; i++) {
          int p = Metrics.argmax(out, i * outWidth, outWidth);
          cm.add(lb[i], p);
          c += p == lb[i] ? 1 : 0;
        }
        correct[t] = c;
      } else {
        correct[t] = Metrics.correctArgmax(out, m, outWidth, lb);
      }
    }
    if (training) {
      if (m != n) {
        float scale = (float) m / n;
        for (int i = 0, end = m * outWidth; i < end; i++) {
          g[i] *= scale;
        }
      }
      model.backward(ws[t], g);
      if (balance != null) {
        balance.record(t, System.nanoTime() - began);
      }
    }
  }

  private void reduce(int t) {
    if (t >= shards) {
      return;
    }
    // A split layer's gradients are whole already (splitGradient).
    for (int i = splitUnits > 0 ? splitParameters : 0; i < modelGrads.length; i++) {
      float[] dst = modelGrads[i];
      int from = sliceStart(dst.length, t);
      int to = sliceStart(dst.length, t + 1);
      if (from == to) {
        continue;
      }
      for (int s = 1; s < shards; s++) { // shard 0 added its own gradients into dst
        if (!active[s]) {
          continue; // an empty shard's private gradients are stale, not zero
        }
        float[] src = ws[s].gradients()[i];
        for (int j = from; j < to; j++) {
          dst[j] += src[j];
        }
      }
    }
    if (checkFinite && training) {
      checkSlices(t); // a split layer's rows too: this thread has just set the same slice of them
    }
  }
}
