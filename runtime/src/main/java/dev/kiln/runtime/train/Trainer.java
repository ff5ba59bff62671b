package dev.kiln.runtime.train;

import dev.kiln.runtime.LayerTimes;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.data.Augmentation;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.data.BatchIterator;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.layer.Layer;
import dev.kiln.runtime.loss.ClassLoss;
import dev.kiln.runtime.loss.Loss;
import dev.kiln.runtime.optim.GradientClipping;
import dev.kiln.runtime.optim.LearningRateSchedule;
import dev.kiln.runtime.optim.Optimizer;
import dev.kiln.runtime.parallel.WorkerPool;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a {@link Model} with a {@link Loss} and an {@link Optimizer}, epoch by epoch, and returns a
 * {@link TrainingHistory}. Configure with {@link #builder(Model)}:
 *
 * <pre>{@code
 * try (Trainer trainer = Trainer.builder(net)
 *     .loss(new SoftmaxCrossEntropy())
 *     .optimizer(new Adam(net.parameters(), 1e-3))
 *     .epochs(20).batchSize(64).seed(1)
 *     .validationSplit(0.1)
 *     .earlyStopping(3, 1e-4)
 *     .threads(4)
 *     .listener(new ConsoleProgress())
 *     .build()) {
 *   TrainingHistory history = trainer.fit(data.train());
 *   System.out.println(trainer.evaluate(data.test()).confusion());
 * }
 * }</pre>
 *
 * <p>Each step: copy the next (shuffled) batch into reusable arrays, augment it, forward in training mode, compute
 * the loss and its gradient, backward, check the loss and every gradient for NaN or infinity (a
 * {@link TrainingDivergedException} names the first bad parameter), apply the gradient hook (clipping), set the
 * scheduled learning rate, and step the optimizer. After each epoch the validation set is evaluated in inference
 * mode; early stopping watches a {@link Monitor} and keeps a copy of every tensor of the best epoch's
 * {@link Model#state()}, which it puts back at the end.
 *
 * <p>Batch size: {@code batchSize(n)} for mini-batches, {@link Builder#fullBatch()} for batch gradient descent,
 * {@link Builder#stochastic()} for one sample per step.
 *
 * <p>Data parallelism: with {@code threads(n)} each batch is split into {@code n} shards that run forward and
 * backward at once, each on its own {@link Model#newPrivateWorkspace private-gradient workspace}; the shard
 * gradients are then summed into the model's {@link Parameter#grad()} arrays before the optimizer step. The shards
 * are even unless {@link Builder#balanceThreads} sizes them by each thread's measured speed. A model
 * whose first layer may be split by outputs ({@link Model#splitUnits}, an MLP's first dense layer) trains that layer
 * split that way instead, each thread its share of the layer's outputs for the whole batch, so the threads do not
 * exchange its weight and gradient (see {@code BatchEngine}). The threads are created once, with the trainer;
 * {@link #close()} ends them. Two limits follow from the sharing: a layer that updates buffers during training (batch
 * norm's running statistics) is updated by several threads at once, and normalises with per-shard batch statistics
 * (as PyTorch's data-parallel training without synchronised batch norm); use one thread for such networks when exact
 * running statistics matter.
 *
 * <p>Seeds: one seed drives the validation split, the order of each epoch, augmentations and each shard's dropout
 * masks, so a run repeats exactly for the same seed and thread count, unless {@link Builder#balanceThreads} lets
 * the threads' speeds cut the batches. Not thread-safe: one fit at a time.
 */
public final class Trainer implements AutoCloseable {
  private final Model model;
  private final Loss loss;
  private final Optimizer optimizer;
  private final int epochs;
  private final int batchSize;
  private final long seed;
  private final boolean shuffle;
  private final Dataset validation;
  private final double validationSplit;
  private final int patience;
  private final double minDelta;
  private final Monitor monitor;
  private final Boolean restoreBest;
  private final GradientHook gradientHook;
  private final LearningRateSchedule schedule;
  private final Augmentation augmentation;
  private final int threads;
  private final boolean checkFinite;
  private final boolean balanceThreads;
  private final TrainingListener[] listeners;
  private final WorkerPool pool;
  private BatchEngine engine;
  /** Calls of {@link #step} so far, for the diverged exception's step number. */
  private long steps;
  private boolean closed;

  private Trainer(Builder b) {
    this.model = b.model;
    this.loss = Objects.requireNonNull(b.loss, "a loss is required: .loss(...)");
    this.optimizer = Objects.requireNonNull(b.optimizer, "an optimizer is required: .optimizer(...)");
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.seed = b.seed;
    this.shuffle = b.shuffle;
    this.validation = b.validation;
    this.validationSplit = b.validationSplit;
    this.patience = b.patience;
    this.minDelta = b.minDelta;
    this.monitor = b.monitor;
    this.restoreBest = b.restoreBest;
    this.gradientHook = b.gradientHook;
    this.schedule = b.schedule;
    this.augmentation = b.augmentation;
    this.threads = b.threads;
    this.checkFinite = b.checkFinite;
    this.balanceThreads = b.balanceThreads;
    this.listeners = b.listeners.toArray(new TrainingListener[0]);
    if (validation != null && validationSplit > 0) {
      throw new IllegalArgumentException("give a validation set or a validation split, not both");
    }
    Map<Parameter, Boolean> own = new IdentityHashMap<>();
    for (Parameter p : model.parameters()) {
      own.put(p, Boolean.TRUE);
    }
    for (Parameter p : optimizer.parameters()) {
      if (!own.containsKey(p)) {
        throw new IllegalArgumentException(
            "the optimizer updates " + p.name() + ", which is not a parameter of " + model.name()
                + ": build it over this model's parameters()");
      }
    }
    if (validation != null) {
      checkData(model, validation, "validation");
    }
    this.pool = threads > 1 ? new WorkerPool(threads, "kiln-train") : null;
  }

  /** Starts configuring a trainer of {@code model}. */
  public static Builder builder(Model model) {
    return new Builder(model);
  }

  public Model model() {
    return model;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * Trains on {@code train} for the configured epochs (fewer if early stopping ends the run) and leaves the model in
   * inference mode, with the best epoch's weights when they are restored.
   *
   * @throws TrainingDivergedException when the loss or a gradient is NaN or infinite
   */
  public TrainingHistory fit(Dataset train) {
    if (closed) {
      throw new IllegalStateException("this trainer is closed");
    }
    checkData(model, train, "training");
    Dataset trainSet = train;
    Dataset validSet = validation;
    if (validationSplit > 0) {
      Dataset.Split split = train.split(1 - validationSplit, seed);
      trainSet = split.train();
      validSet = split.holdout();
    }
    Monitor watch = monitor != null ? monitor : validSet != null ? Monitor.VALIDATION_LOSS : Monitor.TRAINING_LOSS;
    if (watch.needsValidation() && validSet == null) {
      throw new IllegalStateException("monitoring " + watch + " needs a validation set or split");
    }
    boolean classes = trainSet.hasLabels() && model.outputShape().size() > 1;
    if ((watch == Monitor.VALIDATION_ACCURACY || watch == Monitor.TRAINING_ACCURACY) && !classes) {
      throw new IllegalStateException("monitoring " + watch + " needs class labels and several outputs");
    }
    boolean useLabels = usesLabels(loss, trainSet);
    int bs = Math.min(batchSize, trainSet.size());
    BatchEngine eng = engine(bs);
    eng.seed(seed);
    BatchIterator it = batches(model, trainSet, bs, loss, useLabels);
    BatchIterator validIt = validSet == null ? null
        : batches(model, validSet, Math.min(eng.capacity(), validSet.size()), loss, usesLabels(loss, validSet));
    boolean early = patience > 0;
    boolean restore = restoreBest != null ? restoreBest : early;
    List<Parameter> state = model.state();
    float[][] best = restore ? new float[state.size()][] : null;
    for (int i = 0; best != null && i < best.length; i++) {
      best[i] = new float[state.get(i).size()];
    }
    Rng order = new Rng(seed);
    Rng augRng = new Rng(seed ^ 0xA5A5A5A5DEADBEEFL);
    double baseRate = optimizer.learningRate();

    TrainingPlan plan = new TrainingPlan(epochs, bs, it.batchesPerEpoch(), trainSet.size(),
        validSet == null ? 0 : validSet.size(), eng.shards());
    for (TrainingListener l : listeners) {
      l.onTrainingStart(plan);
    }
    BatchProgress progress = new BatchProgress();
    progress.epochs = epochs;
    progress.batchesPerEpoch = it.batchesPerEpoch();
    List<EpochResult> results = new ArrayList<>();
    long totalBatches = (long) epochs * it.batchesPerEpoch();
    long batchesDone = 0;
    long step = 0;
    double bestValue = Double.NaN;
    int bestEpoch = 0;
    int sinceBest = 0;
    boolean stopped = false;
    long start = System.nanoTime();

    for (int epoch = 1; epoch <= epochs; epoch++) {
      long epochStart = System.nanoTime();
      model.train();
      if (shuffle) {
        it.shuffle(order);
      } else {
        it.reset();
      }
      double lossSum = 0;
      long correct = 0;
      long seen = 0;
      int batchNo = 0;
      while (it.hasNext()) {
        Batch b = it.next();
        batchNo++;
        if (augmentation != null) {
          augmentation.apply(b.features(), b.size(), trainSet.shape(), augRng);
        }
        double l = learn(eng, b, useLabels, epoch, batchNo);
        if (schedule != null) {
          schedule.apply(optimizer, epoch - 1, step, baseRate);
        }
        eng.step(optimizer);
        step++;
        batchesDone++;
        lossSum += l * b.size();
        seen += b.size();
        correct += eng.correct();
        if (listeners.length > 0) {
          long now = System.nanoTime();
          double epochSeconds = (now - epochStart) * 1e-9;
          progress.epoch = epoch;
          progress.batch = batchNo;
          progress.batchSize = b.size();
          progress.loss = l;
          progress.meanLoss = lossSum / seen;
          progress.accuracy = classes ? (double) correct / seen : Double.NaN;
          progress.samplesSeen = seen;
          progress.elapsedSeconds = epochSeconds;
          progress.samplesPerSecond = seen / Math.max(epochSeconds, 1e-9);
          progress.etaSeconds = (now - start) * 1e-9 / batchesDone * (totalBatches - batchesDone);
          progress.learningRate = optimizer.learningRate();
          for (TrainingListener t : listeners) {
            t.onBatchEnd(progress);
          }
        }
      }
      double trainSeconds = (System.nanoTime() - epochStart) * 1e-9;
      Evaluation v = validIt == null ? null : eng.evaluate(validIt, validSet, loss, usesLabels(loss, validSet));
      double seconds = (System.nanoTime() - epochStart) * 1e-9;
      EpochResult provisional = new EpochResult(epoch, lossSum / seen, classes ? (double) correct / seen : Double.NaN,
          v == null ? Double.NaN : v.loss(), v == null ? Double.NaN : v.accuracy(), seconds,
          seen / Math.max(trainSeconds, 1e-9), optimizer.learningRate(), false);
      double value = watch.of(provisional);
      boolean improved = bestEpoch == 0
          || (watch.maximize() ? value > bestValue + minDelta : value < bestValue - minDelta);
      EpochResult result = new EpochResult(epoch, provisional.trainLoss(), provisional.trainAccuracy(),
          provisional.validationLoss(), provisional.validationAccuracy(), seconds, provisional.samplesPerSecond(),
          provisional.learningRate(), improved);
      results.add(result);
      if (improved) {
        bestValue = value;
        bestEpoch = epoch;
        sinceBest = 0;
        if (best != null) {
          for (int i = 0; i < best.length; i++) {
            System.arraycopy(state.get(i).value(), 0, best[i], 0, best[i].length);
          }
        }
      } else {
        sinceBest++;
      }
      for (TrainingListener t : listeners) {
        t.onEpochEnd(result);
      }
      if (early && sinceBest >= patience && epoch < epochs) {
        stopped = true;
        break;
      }
    }

    boolean restored = false;
    if (best != null && bestEpoch > 0 && bestEpoch != results.size()) {
      for (int i = 0; i < best.length; i++) {
        state.get(i).set(best[i]);
      }
      model.zeroGrad();
      restored = true;
    }
    model.eval();
    TrainingHistory history = new TrainingHistory(results, bestEpoch, watch, stopped, restored,
        (System.nanoTime() - start) * 1e-9);
    for (TrainingListener t : listeners) {
      t.onTrainingEnd(history);
    }
    return history;
  }

  /**
   * One training step on one batch, for a training loop of one's own (a server that learns from each request's
   * feedback, a schedule of one's own): exactly what {@link #fit} does for each of its batches. The model goes into
   * training mode; the forward pass, the loss and the backward pass run on the trainer's threads (the batch split
   * among them as in {@code fit}), the gradients are checked if {@code checkFinite} is on, the gradient hook or
   * clipping runs, and the optimizer takes its step. Returns the batch's mean loss.
   *
   * <p>What belongs to epochs is {@code fit}'s alone: no augmentation, no learning-rate schedule (set the optimizer's
   * rate between steps), no validation, early stopping or listeners. The first step of a batch size larger than any
   * before makes the trainer's buffers for it; after that a step allocates nothing. Build the batch once over arrays
   * of one's own ({@link Batch#ofLabels}, {@link Batch#ofTargets}) and refill them in place.
   *
   * @throws IllegalArgumentException if the batch's samples or targets are not the model's shape, or the loss needs
   *     what the batch lacks (class labels, or targets)
   * @throws TrainingDivergedException when the loss, or with {@code checkFinite} a gradient, is NaN or infinite;
   *     its {@code epoch()} is 0 and its {@code batch()} the number of this step, from 1. The optimizer has not
   *     stepped: the weights are those before the batch.
   */
  public double step(Batch batch) {
    if (closed) {
      throw new IllegalStateException("this trainer is closed");
    }
    int in = model.inputShape().size();
    if (batch.shape().size() != in) {
      throw new IllegalArgumentException("the batch's samples are " + batch.shape() + " (" + batch.shape().size()
          + " values), " + model.name() + " takes " + model.inputShape() + " (" + in + ")");
    }
    int out = model.outputShape().size();
    boolean useLabels = loss instanceof ClassLoss && batch.labels() != null;
    if (!useLabels) {
      if (batch.targets() == null) {
        throw new IllegalArgumentException(loss.getClass().getSimpleName()
            + " takes float targets, and the batch has only class labels: make it with Batch.ofTargets");
      }
      if (batch.targetWidth() != out) {
        throw new IllegalArgumentException(
            "the batch has " + batch.targetWidth() + " targets per sample, " + model.name() + " outputs " + out);
      }
    } else {
      int[] labels = batch.labels();
      for (int i = 0; i < batch.size(); i++) {
        if (labels[i] < 0 || labels[i] >= out) { // checked on every step: the caller refills the array in place
          throw new IllegalArgumentException(
              "label " + i + " is class " + labels[i] + ", " + model.name() + " outputs classes 0 to " + (out - 1));
        }
      }
    }
    BatchEngine eng = engine(batch.size());
    model.train();
    steps++;
    double l = learn(eng, batch, useLabels, 0, (int) Math.min(steps, Integer.MAX_VALUE));
    eng.step(optimizer);
    return l;
  }

  /**
   * Where this trainer's steps spent their time since it was built or {@link #resetProfile()} last ran: each phase
   * of a step and each layer (see {@link TrainingProfile}). Evaluations ({@link #evaluate}, the validation of {@link
   * #fit}) run on the same workspaces, and their forward passes count in the layers' times.
   *
   * @throws IllegalStateException where the JVM does not profile: start it with {@code -Dkiln.profile=true}
   */
  public TrainingProfile profile() {
    checkProfiling();
    if (engine == null) {
      return new TrainingProfile(0, new long[TrainingProfile.Phase.values().length],
          new LayerTimes(model.layers().size()));
    }
    return engine.profile();
  }

  /** Starts the count of {@link #profile()} again. */
  public void resetProfile() {
    checkProfiling();
    if (engine != null) {
      engine.resetProfile();
    }
  }

  private static void checkProfiling() {
    if (!LayerTimes.ENABLED) {
      throw new IllegalStateException("this JVM does not profile: start it with -Dkiln.profile=true");
    }
  }

  /** The trainer's loss, accuracy and confusion matrix on {@code data}, in inference mode, using its threads. */
  public Evaluation evaluate(Dataset data) {
    if (closed) {
      throw new IllegalStateException("this trainer is closed");
    }
    checkData(model, data, "evaluation");
    BatchEngine eng = engine(Math.min(batchSize, data.size()));
    boolean useLabels = usesLabels(loss, data);
    BatchIterator it = batches(model, data, Math.min(eng.capacity(), data.size()), loss, useLabels);
    return eng.evaluate(it, data, loss, useLabels);
  }

  /** Ends the worker threads; the trainer cannot be used afterwards. Idempotent. */
  @Override
  public void close() {
    closed = true;
    if (pool != null) {
      pool.close();
    }
  }

  /** An engine for batches up to {@code capacity}, reused while it is large enough. */
  private BatchEngine engine(int capacity) {
    if (engine == null || engine.capacity() < capacity) {
      engine = new BatchEngine(model, capacity, pool, checkFinite, balanceThreads);
      engine.seed(seed); // fit seeds it again at its start; step's dropout masks come from here
    }
    return engine;
  }

  /**
   * What {@link #fit} and {@link #step} do with a batch before the optimizer's step: forward, loss and backward, the
   * loss and (with {@code checkFinite}) the gradients checked, the gradient hook. Returns the batch's mean loss.
   *
   * @param epoch from 1 in {@code fit}; 0 for {@code step}, whose {@code batchNo} is then the step's number
   */
  private double learn(BatchEngine eng, Batch b, boolean useLabels, int epoch, int batchNo) {
    double l = eng.train(b, loss, useLabels);
    if (!Double.isFinite(l)) {
      throw lossDiverged(l, epoch, batchNo, b);
    }
    List<Parameter> params = model.parameters();
    if (checkFinite) {
      checkGradients(eng, params, l, epoch, batchNo);
    }
    if (gradientHook != null) {
      gradientHook.apply(params);
    }
    return l;
  }

  /** Reports the first non-finite gradient the engine found in the batch just trained, in parameter order. */
  private void checkGradients(BatchEngine eng, List<Parameter> params, double loss, int epoch, int batchNo) {
    for (int i = 0; i < params.size(); i++) {
      Parameter p = params.get(i);
      float[] g = p.grad();
      int j = eng.firstNonFinite(i);
      if (j >= 0) {
        String layer = layerOf(p);
        throw new TrainingDivergedException(String.format(
            "training diverged %s: the gradient of %s (layer %s) is %s at index %d of shape %s,"
                + " with a finite loss of %.6g; try a lower learning rate, gradient clipping"
                + " (clipGradientNorm), or check this layer's inputs for extreme values",
            where(epoch, batchNo), p.name(), layer, g[j], j, java.util.Arrays.toString(p.shape()), loss),
            epoch, batchNo, p.name(), layer);
      }
    }
  }

  private TrainingDivergedException lossDiverged(double l, int epoch, int batchNo, Batch b) {
    StringBuilder why = new StringBuilder();
    String name = null;
    String layer = null;
    for (Parameter p : model.state()) {
      float[] v = p.value();
      for (int j = 0; j < v.length && name == null; j++) {
        if (!Float.isFinite(v[j])) {
          name = p.name();
          layer = layerOf(p);
          why.append(String.format("; %s (layer %s) already holds %s at index %d, so an earlier step diverged:"
              + " try a lower learning rate or gradient clipping", name, layer, v[j], j));
        }
      }
    }
    if (name == null) {
      float[] x = b.features();
      int w = b.shape().size();
      for (int k = 0; k < b.size() * w; k++) {
        if (!Float.isFinite(x[k])) {
          why.append(String.format("; the input holds %s (sample %d of the %s, value %d)", x[k],
              b.indices()[k / w], epoch == 0 ? "batch" : "data set", k % w));
          break;
        }
      }
    }
    if (why.length() == 0) {
      why.append("; the weights and inputs are finite: the outputs overflowed, or the targets do not suit the loss");
    }
    return new TrainingDivergedException(
        "training diverged " + where(epoch, batchNo) + ": the loss is " + l + why, epoch, batchNo,
        name, layer);
  }

  /** Where training was: a batch of an epoch of {@link #fit}, or (epoch 0) a call of {@link #step}. */
  private static String where(int epoch, int batchNo) {
    return epoch == 0 ? "at step " + batchNo : "at epoch " + epoch + ", batch " + batchNo;
  }

  private String layerOf(Parameter p) {
    for (Layer layer : model.layers()) {
      for (Parameter q : layer.parameters()) {
        if (q == p) {
          return layer.name();
        }
      }
    }
    return "?";
  }

  static boolean usesLabels(Loss loss, Dataset data) {
    return loss instanceof ClassLoss && data.hasLabels();
  }

  /** Batches of {@code data} in the layout {@code loss} needs: labels, the set's targets, or one-hot rows. */
  static BatchIterator batches(Model model, Dataset data, int size, Loss loss, boolean useLabels) {
    BatchIterator it = data.batches(size);
    int out = model.outputShape().size();
    if (loss == null || useLabels) {
      return it;
    }
    if (data.hasTargets()) {
      if (data.targetWidth() != out) {
        throw new IllegalArgumentException(
            "the data set has " + data.targetWidth() + " targets per sample, the model outputs " + out);
      }
      return it;
    }
    return it.withOneHotTargets(out);
  }

  static void checkData(Model model, Dataset data, String what) {
    if (data.sampleSize() != model.inputShape().size()) {
      throw new IllegalArgumentException(what + " samples are " + data.shape() + " (" + data.sampleSize()
          + " values), " + model.name() + " takes " + model.inputShape() + " (" + model.inputShape().size() + ")");
    }
    int out = model.outputShape().size();
    if (data.hasLabels() && out > 1 && data.numClasses() > out) {
      throw new IllegalArgumentException(
          what + " data has " + data.numClasses() + " classes, " + model.name() + " outputs only " + out);
    }
  }

  /**
   * A hook over the raw gradient arrays, gathered once: the {@code List<Parameter>} forms of
   * {@link GradientClipping} gather them into a new array on every call, one allocation per batch.
   */
  private abstract static class GradientArrays implements GradientHook {
    private List<Parameter> seen;
    private float[][] gradients;

    @Override
    public final void apply(List<Parameter> parameters) {
      if (parameters != seen) {
        gradients = new float[parameters.size()][];
        for (int i = 0; i < gradients.length; i++) {
          gradients[i] = parameters.get(i).grad();
        }
        seen = parameters;
      }
      apply(gradients);
    }

    abstract void apply(float[][] gradients);
  }

  /** Collects a trainer's settings; {@link #loss} and {@link #optimizer} are required. */
  public static final class Builder {
    private final Model model;
    private Loss loss;
    private Optimizer optimizer;
    private int epochs = 10;
    private int batchSize = 32;
    private long seed;
    private boolean shuffle = true;
    private Dataset validation;
    private double validationSplit;
    private int patience;
    private double minDelta;
    private Monitor monitor;
    private Boolean restoreBest;
    private GradientHook gradientHook;
    private LearningRateSchedule schedule;
    private Augmentation augmentation;
    private int threads = 1;
    private boolean checkFinite = true;
    private boolean balanceThreads;
    private final List<TrainingListener> listeners = new ArrayList<>();

    private Builder(Model model) {
      this.model = Objects.requireNonNull(model, "model");
      this.seed = model.seed();
    }

    /** The loss; a {@link ClassLoss} is given labels, any other loss targets (one-hot rows for labelled data). */
    public Builder loss(Loss loss) {
      this.loss = loss;
      return this;
    }

    /** The optimizer, built over this model's {@code parameters()}. */
    public Builder optimizer(Optimizer optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    /** The most epochs to run (default 10). */
    public Builder epochs(int epochs) {
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be positive: " + epochs);
      }
      this.epochs = epochs;
      return this;
    }

    /** Samples per step (default 32); larger than the set means full-batch descent. */
    public Builder batchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be positive: " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Batch gradient descent: one step per epoch on the whole training set. */
    public Builder fullBatch() {
      this.batchSize = Integer.MAX_VALUE;
      return this;
    }

    /** Stochastic gradient descent: one step per sample. */
    public Builder stochastic() {
      this.batchSize = 1;
      return this;
    }

    /** Seeds the split, the epoch orders, augmentation and dropout (default: the model's seed). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Whether to reshuffle every epoch (default true); false keeps the data set's order. */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** A separate validation set, evaluated after every epoch. */
    public Builder validation(Dataset validation) {
      this.validation = validation;
      return this;
    }

    /** Holds out this fraction of the training set (after a seeded shuffle) for validation. */
    public Builder validationSplit(double fraction) {
      if (!(fraction > 0 && fraction < 1)) {
        throw new IllegalArgumentException("validation fraction must be strictly between 0 and 1: " + fraction);
      }
      this.validationSplit = fraction;
      return this;
    }

    /** Stops after {@code patience} epochs without improvement and restores the best weights. */
    public Builder earlyStopping(int patience) {
      return earlyStopping(patience, 0);
    }

    /**
     * Stops after {@code patience} epochs without an improvement larger than {@code minDelta} and, unless
     * {@link #restoreBestWeights(boolean) told otherwise}, restores the best epoch's weights.
     */
    public Builder earlyStopping(int patience, double minDelta) {
      if (patience < 1) {
        throw new IllegalArgumentException("patience must be positive: " + patience);
      }
      if (!(minDelta >= 0)) {
        throw new IllegalArgumentException("minDelta must be non-negative: " + minDelta);
      }
      this.patience = patience;
      this.minDelta = minDelta;
      return this;
    }

    /** What decides the best epoch (default: validation loss with validation data, else training loss). */
    public Builder monitor(Monitor monitor) {
      this.monitor = monitor;
      return this;
    }

    /**
     * Whether to end with the best epoch's weights (default: only with early stopping). Keeping them costs one
     * copy of the model's state.
     */
    public Builder restoreBestWeights(boolean restore) {
      this.restoreBest = restore;
      return this;
    }

    /** Runs on the complete gradients of each batch, before the optimizer step. */
    public Builder gradientHook(GradientHook hook) {
      this.gradientHook = hook;
      return this;
    }

    /** Clips the global L2 norm of the gradients to {@code maxNorm} before each step. */
    public Builder clipGradientNorm(double maxNorm) {
      if (!(maxNorm > 0)) {
        throw new IllegalArgumentException("maxNorm must be positive: " + maxNorm);
      }
      return gradientHook(new GradientArrays() {
        @Override
        void apply(float[][] gradients) {
          GradientClipping.clipByNorm(gradients, maxNorm, 2);
        }
      });
    }

    /** Clamps every gradient element into {@code [-clip, clip]} before each step. */
    public Builder clipGradientValue(double clip) {
      if (!(clip > 0)) {
        throw new IllegalArgumentException("clip must be positive: " + clip);
      }
      return gradientHook(new GradientArrays() {
        @Override
        void apply(float[][] gradients) {
          GradientClipping.clipByValue(gradients, clip);
        }
      });
    }

    /**
     * Sets the learning rate before each step from {@code schedule}, with the optimizer's rate at the start of
     * {@link #fit} as the base and epochs and steps counted from 0 in each fit.
     */
    public Builder schedule(LearningRateSchedule schedule) {
      this.schedule = schedule;
      return this;
    }

    /** Applied to every training batch (never to validation data), with a generator seeded from the seed. */
    public Builder augmentation(Augmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /** Threads sharing each batch (default 1); the pool is created once, with the trainer. */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be positive: " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Whether to scan every gradient for NaN and infinity after each batch (default true). The scan reads each
     * gradient once, small next to the backward pass that wrote it; the loss is always checked.
     */
    public Builder checkFinite(boolean check) {
      this.checkFinite = check;
      return this;
    }

    /**
     * Whether the shards of each training batch follow the threads' measured speeds (default false): the threads
     * that ran their last shards faster take more samples, so that all finish together, where by default every
     * thread takes an even share and the step waits for the slowest. It pays where the cores run at different
     * speeds, as on virtual machines whose cores other guests share (LeNet-5's 2-thread step on a 2-vCPU host:
     * see the README's performance section). With cores of equal speed it can still move samples on the spread of
     * shuffled batches and lose (LeNet-5's epochs about 7% slower there), so leave it off unless the cores' speeds
     * differ. The price: the gradients are summed in an order that depends on timing, so a run no longer repeats
     * bit for bit (its values differ by rounding). No effect on one thread, or on evaluation.
     */
    public Builder balanceThreads(boolean balance) {
      this.balanceThreads = balance;
      return this;
    }

    /** Adds a listener; listeners are called in the order added. */
    public Builder listener(TrainingListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** The configured trainer; starts its worker threads when {@code threads > 1}. */
    public Trainer build() {
      return new Trainer(this);
    }
  }
}
