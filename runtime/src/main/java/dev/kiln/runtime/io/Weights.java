package dev.kiln.runtime.io;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Saves a model's tensors to a safetensors file and loads them back: the bridge between {@link Model#state()} and
 * {@link SafetensorsFile}/{@link SafetensorsWriter}.
 *
 * <p>Files use PyTorch's names, shapes and layout, so {@code model.load_state_dict(safetensors.torch.load_file(f))}
 * reads what {@link #save} writes and the other way round. Tensors are float32, except {@code num_batches_tracked}
 * counters, which PyTorch keeps as int64.
 *
 * <p>Loading is transactional: every tensor's name, dtype and shape is checked and its values decoded into
 * temporary arrays before the first one is copied into the model, so a load that fails (a damaged file, a file of
 * another network) leaves the model's weights exactly as they were.
 */
public final class Weights {
  private Weights() {}

  /** Writes every tensor of {@code model.state()} to {@code path}, atomically replacing any file there. */
  public static void save(Model model, Path path) throws IOException {
    save(model, path, Map.of());
  }

  /** Like {@link #save(Model, Path)}, with free-text {@code __metadata__} entries (a description, a version). */
  public static void save(Model model, Path path, Map<String, String> metadata) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter().metadata(metadata);
    addState(writer, model.state());
    writer.write(path);
  }

  /** Loads every tensor of the model from {@code path}, strictly: see {@link LoadOptions#strict()}. */
  public static LoadReport load(Model model, Path path) throws IOException {
    return load(model, path, LoadOptions.strict());
  }

  /**
   * Loads the model's tensors from {@code path}.
   *
   * @return what was loaded and, for a non-strict load, what was not
   * @throws WeightFileException if the file is not valid safetensors, or (strict) does not fit the model; the
   *     model is then unchanged
   * @throws IOException if the file cannot be read
   */
  public static LoadReport load(Model model, Path path, LoadOptions options) throws IOException {
    SafetensorsFile file = SafetensorsFile.read(path);
    try {
      return load(model, file, options);
    } catch (WeightFileException e) {
      throw new WeightFileException(path + ": " + e.getMessage(), e);
    }
  }

  /** Loads the model's tensors from an already read file; see {@link #load(Model, Path, LoadOptions)}. */
  public static LoadReport load(Model model, SafetensorsFile file, LoadOptions options) throws WeightFileException {
    Plan plan = plan(model.name(), model.state(), file, name -> true, options);
    plan.apply();
    return plan.report();
  }

  /** Whether PyTorch stores this tensor as an int64 counter rather than float32. */
  static boolean isCounter(String name) {
    return name.endsWith("num_batches_tracked");
  }

  /** Adds {@code state} to {@code writer} under the tensors' own names. */
  static void addState(SafetensorsWriter writer, List<Parameter> state) {
    for (Parameter p : state) {
      if (isCounter(p.name())) {
        float[] v = p.value();
        long[] counts = new long[v.length];
        for (int i = 0; i < v.length; i++) {
          counts[i] = (long) v[i];
        }
        writer.addI64(p.name(), p.shape(), counts);
      } else {
        writer.addF32(p.name(), p.shape(), p.value());
      }
    }
  }

  /**
   * A checked, decoded load waiting to be applied: nothing in the model has changed yet, and {@link #apply()}
   * cannot fail.
   */
  record Plan(LoadReport report, List<Parameter> targets, List<float[]> values) {
    void apply() {
      for (int i = 0; i < targets.size(); i++) {
        targets.get(i).set(values.get(i));
      }
    }
  }

  /**
   * Matches {@code state} against the tensors of {@code file} and decodes those to load.
   *
   * @param inScope which file tensors are meant for {@code state}; others (a checkpoint's optimizer state) are
   *     neither loaded nor reported as unexpected
   * @throws WeightFileException when {@code options} is strict and anything does not match; the message names
   *     every missing, unexpected and mismatched tensor, the last with both shapes
   */
  static Plan plan(
      String modelName, List<Parameter> state, SafetensorsFile file, Predicate<String> inScope, LoadOptions options)
      throws WeightFileException {
    List<String> loaded = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    Map<String, String> mismatched = new LinkedHashMap<>();
    List<Parameter> targets = new ArrayList<>();
    Set<String> modelNames = new HashSet<>();
    for (Parameter p : state) {
      modelNames.add(p.name());
      if (!file.contains(p.name())) {
        missing.add(p.name());
        continue;
      }
      String problem = mismatch(p, file.entry(p.name()));
      if (problem != null) {
        mismatched.put(p.name(), problem);
      } else {
        loaded.add(p.name());
        targets.add(p);
      }
    }
    for (String name : file.names()) {
      if (inScope.test(name) && !modelNames.contains(name)) {
        unexpected.add(name);
      }
    }
    LoadReport report = new LoadReport(loaded, missing, unexpected, mismatched);
    if (options.isStrict() && !report.isComplete()) {
      throw new WeightFileException("weights do not fit " + modelName + ": " + report.problems()
          + " (LoadOptions.nonStrict() loads what matches)");
    }
    // Decode only after every check passed: a rejected file costs no allocation beyond its own bytes.
    List<float[]> values = new ArrayList<>(targets.size());
    for (Parameter p : targets) {
      values.add(file.floats(p.name()));
    }
    return new Plan(report, targets, values);
  }

  /** Why tensor {@code e} of a file cannot fill {@code p}, or null when it can. */
  private static String mismatch(Parameter p, SafetensorsFile.Entry e) {
    // Floating-point tensors load from any float dtype (converted); counters from any integer dtype. Loading an
    // integer tensor into a weight, or a float into a counter, is a sign of the wrong file, not a conversion.
    boolean counter = isCounter(p.name());
    boolean dtypeFits = counter ? !e.dtype().isFloatingPoint() && e.dtype() != DType.BOOL : e.dtype().isFloatingPoint();
    int[] shape = p.shape();
    boolean shapeFits = shape.length == e.shape().length;
    for (int i = 0; shapeFits && i < shape.length; i++) {
      shapeFits = shape[i] == e.shape()[i];
    }
    if (dtypeFits && shapeFits) {
      return null;
    }
    return "file " + e.dtype() + " " + Arrays.toString(e.shape()) + " vs model " + (counter ? "I64 " : "F32 ")
        + Arrays.toString(shape);
  }
}
