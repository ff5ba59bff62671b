package dev.kiln.runtime.io;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint: everything needed to stop after some epoch and resume so that the run ends with weights
 * bit-identical to an uninterrupted one. That is the model's tensors, the optimizer's state buffers, step count
 * and learning rate, the random generators' states (data shuffling, dropout) and where training stood.
 *
 * <p>It is one ordinary safetensors file: the model's tensors under their PyTorch names (as {@link Weights} writes
 * them), each optimizer buffer as a float32 tensor named {@code optimizer.<parameter>.<slot>}
 * ({@code optimizer.fc1.weight.exp_avg}) in its parameter's shape, and the scalars as decimal strings in
 * {@code __metadata__}. Any safetensors tool can inspect it; {@code Weights.load(model, path,
 * LoadOptions.nonStrict())} reads just the model from it.
 *
 * <p>Saving is atomic like {@link Weights#save}. Loading checks everything (format version, optimizer kind, every
 * tensor's name, dtype and shape, every scalar) before changing anything, so a failed load leaves model, optimizer
 * and generators as they were.
 */
public final class Checkpoint {
  /** Prefix of the optimizer's tensors; model tensors may not start with it. */
  public static final String OPTIMIZER_PREFIX = "optimizer.";

  private static final String FORMAT_KEY = "kiln.checkpoint";
  private static final String FORMAT_VERSION = "1";
  private static final String MODEL = "model";
  private static final String EPOCH = "epoch";
  private static final String STEP = "step";
  private static final String OPTIMIZER = "optimizer";
  private static final String OPTIMIZER_STEPS = "optimizer.step_count";
  private static final String LEARNING_RATE = "optimizer.learning_rate";
  private static final String RNG_COUNT = "rng.count";
  private static final String RNG = "rng.";

  private final long epoch;
  private final long step;
  private final Map<String, String> metadata;

  private Checkpoint(long epoch, long step, Map<String, String> metadata) {
    this.epoch = epoch;
    this.step = step;
    this.metadata = metadata;
  }

  /** The epoch passed to {@link #save}: typically the number of epochs completed. */
  public long epoch() {
    return epoch;
  }

  /** The step passed to {@link #save}: typically the number of batches trained so far. */
  public long step() {
    return step;
  }

  /** The whole {@code __metadata__} of the file, for inspection. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Writes a checkpoint to {@code path}, atomically replacing any file there.
   *
   * @param epoch where training stands, restored by {@link #epoch()}; non-negative
   * @param step where training stands, restored by {@link #step()}; non-negative
   * @param rngs every generator whose draws the rest of the run depends on (the shuffling generator, each
   *     workspace's {@link dev.kiln.runtime.Workspace#rng()}), in an order {@link #load} will repeat
   */
  public static void save(Path path, Model model, Optimizer optimizer, long epoch, long step, Rng... rngs)
      throws IOException {
    if (epoch < 0 || step < 0) {
      throw new IllegalArgumentException("epoch and step must be non-negative: " + epoch + ", " + step);
    }
    for (Parameter p : model.state()) {
      if (p.name().startsWith(OPTIMIZER_PREFIX)) {
        throw new IllegalArgumentException(
            "tensor " + p.name() + " would collide with the optimizer state, which a checkpoint stores under '"
                + OPTIMIZER_PREFIX + "'");
      }
    }
    SafetensorsWriter writer = new SafetensorsWriter();
    Weights.addState(writer, model.state());
    Map<String, int[]> shapes = optimizerShapes(optimizer);
    for (Map.Entry<String, float[]> e : optimizer.state().entrySet()) {
      writer.addF32(OPTIMIZER_PREFIX + e.getKey(), shapes.get(e.getKey()), e.getValue());
    }
    writer.metadata(FORMAT_KEY, FORMAT_VERSION)
        .metadata(MODEL, model.name())
        .metadata(EPOCH, Long.toString(epoch))
        .metadata(STEP, Long.toString(step))
        .metadata(OPTIMIZER, optimizer.getClass().getName())
        .metadata(OPTIMIZER_STEPS, Long.toString(optimizer.stepCount()))
        // Double.toString is the shortest decimal that parses back to the same double: an exact round trip.
        .metadata(LEARNING_RATE, Double.toString(optimizer.learningRate()))
        .metadata(RNG_COUNT, Integer.toString(rngs.length));
    for (int i = 0; i < rngs.length; i++) {
      writer.metadata(RNG + i, Long.toString(rngs[i].state()));
    }
    writer.write(path);
  }

  /**
   * Restores a checkpoint into {@code model}, {@code optimizer} and {@code rngs} (the same kinds and number as
   * were saved, in the same order).
   *
   * @return where training stood, to continue from
   * @throws WeightFileException if the file is damaged, not a checkpoint, or does not fit model, optimizer or
   *     generators; then nothing has changed
   */
  public static Checkpoint load(Path path, Model model, Optimizer optimizer, Rng... rngs) throws IOException {
    SafetensorsFile file = SafetensorsFile.read(path);
    try {
      return load(file, model, optimizer, rngs);
    } catch (WeightFileException e) {
      throw new WeightFileException(path + ": " + e.getMessage(), e);
    }
  }

  /** Restores a checkpoint from an already read file; see {@link #load(Path, Model, Optimizer, Rng...)}. */
  public static Checkpoint load(SafetensorsFile file, Model model, Optimizer optimizer, Rng... rngs)
      throws WeightFileException {
    Map<String, String> meta = file.metadata();
    if (!FORMAT_VERSION.equals(meta.get(FORMAT_KEY))) {
      throw new WeightFileException(meta.containsKey(FORMAT_KEY)
          ? "checkpoint format version '" + Json.abbreviate(meta.get(FORMAT_KEY)) + "' is not supported"
          : "not a Kiln checkpoint (no '" + FORMAT_KEY + "' metadata); plain weights load with Weights.load");
    }
    // Scalars first: they are cheap to check and explain most mistakes (wrong optimizer, wrong call).
    long epoch = nonNegative(meta, EPOCH);
    long step = nonNegative(meta, STEP);
    long optimizerSteps = nonNegative(meta, OPTIMIZER_STEPS);
    double learningRate = learningRate(meta);
    String optimizerClass = required(meta, OPTIMIZER);
    if (!optimizerClass.equals(optimizer.getClass().getName())) {
      throw new WeightFileException("checkpoint holds the state of " + Json.abbreviate(optimizerClass)
          + ", not of " + optimizer.getClass().getName());
    }
    long rngCount = nonNegative(meta, RNG_COUNT);
    if (rngCount != rngs.length) {
      throw new WeightFileException(
          "checkpoint holds " + rngCount + " random generator states, but " + rngs.length + " were given");
    }
    long[] rngStates = new long[rngs.length];
    for (int i = 0; i < rngs.length; i++) {
      rngStates[i] = parseLong(meta, RNG + i);
    }

    // Then every tensor, model and optimizer together, so one message names every problem.
    Weights.Plan modelPlan = Weights.plan(
        model.name(), model.state(), file, name -> !name.startsWith(OPTIMIZER_PREFIX), LoadOptions.nonStrict());
    List<String> problems = new ArrayList<>();
    if (!modelPlan.report().isComplete()) {
      problems.add(modelPlan.report().problems());
    }
    Map<String, float[]> optimizerState = optimizerState(file, optimizer, problems);
    if (!problems.isEmpty()) {
      throw new WeightFileException(
          "checkpoint does not fit " + model.name() + " and " + optimizer.getClass().getSimpleName() + ": "
              + String.join("; ", problems));
    }

    // Everything checked and decoded: apply. restoreState checks again and is first, so even a disagreement we
    // failed to foresee would stop before the model changed.
    try {
      optimizer.restoreState(optimizerState, optimizerSteps);
      optimizer.setLearningRate(learningRate);
    } catch (IllegalArgumentException e) {
      throw new WeightFileException("optimizer rejected the checkpoint's state: " + e.getMessage(), e);
    }
    modelPlan.apply();
    for (int i = 0; i < rngs.length; i++) {
      rngs[i].setState(rngStates[i]);
    }
    return new Checkpoint(epoch, step, meta);
  }

  /** The shape each optimizer state entry has: its parameter's. */
  private static Map<String, int[]> optimizerShapes(Optimizer optimizer) {
    Map<String, int[]> shapes = new HashMap<>();
    for (Parameter p : optimizer.parameters()) {
      for (String slot : optimizer.stateSlots()) {
        shapes.put(p.name() + "." + slot, p.shape());
      }
    }
    return shapes;
  }

  /** Decodes the optimizer tensors, adding a description of anything missing, unexpected or mismatched. */
  private static Map<String, float[]> optimizerState(
      SafetensorsFile file, Optimizer optimizer, List<String> problems) {
    Map<String, int[]> shapes = optimizerShapes(optimizer);
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    Map<String, String> mismatched = new LinkedHashMap<>();
    Map<String, float[]> state = new LinkedHashMap<>();
    for (Parameter p : optimizer.parameters()) {
      for (String slot : optimizer.stateSlots()) {
        String key = p.name() + "." + slot;
        String name = OPTIMIZER_PREFIX + key;
        if (!file.contains(name)) {
          missing.add(name);
          continue;
        }
        SafetensorsFile.Entry e = file.entry(name);
        long[] expected = Arrays.stream(p.shape()).asLongStream().toArray();
        if (!e.dtype().isFloatingPoint() || !Arrays.equals(e.shape(), expected)) {
          mismatched.put(name, "file " + e.dtype() + " " + Arrays.toString(e.shape()) + " vs optimizer F32 "
              + Arrays.toString(expected));
        } else {
          state.put(key, null); // decoded below, once everything is known to fit
        }
      }
    }
    for (String name : file.names()) {
      if (name.startsWith(OPTIMIZER_PREFIX) && !shapes.containsKey(name.substring(OPTIMIZER_PREFIX.length()))) {
        unexpected.add(name);
      }
    }
    LoadReport report = new LoadReport(List.of(), missing, unexpected, mismatched);
    if (!report.isComplete()) {
      problems.add("optimizer state " + report.problems());
      return Map.of();
    }
    if (!problems.isEmpty()) {
      return Map.of();
    }
    state.replaceAll((key, ignored) -> file.floats(OPTIMIZER_PREFIX + key));
    return state;
  }

  private static String required(Map<String, String> meta, String key) throws WeightFileException {
    String value = meta.get(key);
    if (value == null) {
      throw new WeightFileException("checkpoint metadata lacks '" + key + "'");
    }
    return value;
  }

  private static long parseLong(Map<String, String> meta, String key) throws WeightFileException {
    String value = required(meta, key);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new WeightFileException(
          "checkpoint metadata '" + key + "' is not an integer: '" + Json.abbreviate(value) + "'");
    }
  }

  private static long nonNegative(Map<String, String> meta, String key) throws WeightFileException {
    long value = parseLong(meta, key);
    if (value < 0) {
      throw new WeightFileException("checkpoint metadata '" + key + "' is negative: " + value);
    }
    return value;
  }

  private static double learningRate(Map<String, String> meta) throws WeightFileException {
    String value = required(meta, LEARNING_RATE);
    double rate;
    try {
      rate = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      rate = Double.NaN;
    }
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw new WeightFileException(
          "checkpoint metadata '" + LEARNING_RATE + "' is not a finite non-negative number: '"
              + Json.abbreviate(value) + "'");
    }
    return rate;
  }

  @Override
  public String toString() {
    return "Checkpoint{epoch " + epoch + ", step " + step + "}";
  }
}
