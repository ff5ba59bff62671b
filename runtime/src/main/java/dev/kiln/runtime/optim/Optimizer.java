package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Updates a fixed list of learnable tensors from their accumulated gradients, one {@link #step()} per batch. This
 * base class owns what every optimizer shares: the parameters, the learning rate (which a schedule may change
 * between steps), the step count (which bias corrections and first-step rules depend on) and the per-parameter
 * state buffers, which it exports and restores under PyTorch's state names ({@code fc1.weight.exp_avg}) so that a
 * checkpoint holds everything needed to resume a run exactly.
 *
 * <p>Subclasses declare their state slots ({@code momentum_buffer}, {@code exp_avg}, ...) and implement
 * {@link #update}; the buffers are allocated here once, so steps allocate nothing. Not thread-safe: step from one
 * thread, with no pass running.
 */
public abstract class Optimizer {
  private final List<Parameter> parameters;
  private final List<String> slots;
  /** [slot][parameter]: one float buffer per state slot and parameter, the size of the parameter. */
  private final float[][][] buffers;
  private double learningRate;
  private long stepCount;

  /**
   * @param parameters the tensors to update, typically {@code model.parameters()}; each must be learnable and
   *     names must be unique (they key the state)
   * @param learningRate the initial rate, non-negative
   * @param slots the names of the per-parameter state buffers this optimizer keeps, allocated zeroed
   */
  protected Optimizer(List<Parameter> parameters, double learningRate, List<String> slots) {
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("an optimizer needs at least one parameter");
    }
    Set<String> names = new HashSet<>();
    for (Parameter p : parameters) {
      if (!p.isTrainable()) {
        throw new IllegalArgumentException(p.name() + " is a buffer, not learnable: pass model.parameters()");
      }
      if (!names.add(p.name())) {
        throw new IllegalArgumentException("two parameters named " + p.name());
      }
    }
    checkRate(learningRate);
    this.parameters = List.copyOf(parameters);
    this.slots = List.copyOf(slots);
    this.learningRate = learningRate;
    this.buffers = new float[slots.size()][parameters.size()][];
    for (int s = 0; s < buffers.length; s++) {
      for (int i = 0; i < parameters.size(); i++) {
        buffers[s][i] = new float[parameters.get(i).size()];
      }
    }
  }

  /**
   * Applies one update to every parameter from its current {@link Parameter#grad()}. Gradients are read, not
   * cleared: call {@link #zeroGrad()} before the next accumulation.
   */
  public final void step() {
    long t = stepCount + 1;
    double lr = learningRate;
    for (int i = 0; i < parameters.size(); i++) {
      Parameter p = parameters.get(i);
      update(i, p.value(), p.grad(), lr, t, 0, p.size());
      p.markModified();
    }
    stepCount = t;
  }

  /**
   * Part {@code part} of one step split into {@code parts}, for data-parallel training: updates the slice
   * {@code [size * part / parts, size * (part + 1) / parts)} of every parameter exactly as {@link #step()} would
   * (every optimizer here updates each value from its own gradient and state alone). Run every part once, from any
   * threads at the same time, then {@link #finishSplitStep()} once all have returned; the result is bit for bit that
   * of {@link #step()}.
   */
  public final void stepPart(int part, int parts) {
    if (parts < 1 || part < 0 || part >= parts) {
      throw new IllegalArgumentException("part " + part + " of " + parts);
    }
    long t = stepCount + 1;
    double lr = learningRate;
    for (int i = 0; i < parameters.size(); i++) {
      Parameter p = parameters.get(i);
      int n = p.size();
      int from = (int) ((long) n * part / parts);
      int to = (int) ((long) n * (part + 1) / parts);
      if (from < to) {
        update(i, p.value(), p.grad(), lr, t, from, to);
      }
    }
  }

  /** Completes a step made of {@link #stepPart} calls: counts it and marks every parameter modified. */
  public final void finishSplitStep() {
    for (int i = 0; i < parameters.size(); i++) {
      parameters.get(i).markModified();
    }
    stepCount++;
  }

  /**
   * Updates values {@code from} (inclusive) to {@code to} (exclusive) of parameter {@code index} in place, each from
   * its own gradient and state only (which is what lets a step be split across threads).
   *
   * @param value the parameter's values, to update
   * @param grad its gradient, read-only
   * @param lr the learning rate of this step
   * @param step the number of this step, from 1 (PyTorch's {@code state['step']} after its increment)
   */
  protected abstract void update(int index, float[] value, float[] grad, double lr, long step, int from, int to);

  /** The state buffers of slot {@code slot} (in the order given to the constructor), one per parameter, live. */
  protected final float[][] slot(int slot) {
    return buffers[slot];
  }

  /** Zeroes the gradients of the parameters this optimizer updates. */
  public void zeroGrad() {
    // An indexed loop: a for-each allocates an iterator until the JIT removes it, thousands of steps later.
    for (int i = 0; i < parameters.size(); i++) {
      parameters.get(i).zeroGrad();
    }
  }

  public double learningRate() {
    return learningRate;
  }

  /** Sets the rate used from the next {@link #step()} on; what a {@link LearningRateSchedule} drives. */
  public void setLearningRate(double learningRate) {
    checkRate(learningRate);
    this.learningRate = learningRate;
  }

  /** Steps taken so far (restored by {@link #restoreState}). */
  public long stepCount() {
    return stepCount;
  }

  /** The parameters this optimizer updates, in order. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /** The names of this optimizer's per-parameter state buffers ({@code exp_avg}, ...), empty for plain SGD. */
  public List<String> stateSlots() {
    return slots;
  }

  /**
   * A copy of the optimizer's state for a checkpoint: one entry per parameter and slot, named
   * {@code <parameter name>.<slot>} ({@code fc1.weight.momentum_buffer}), parameters in order. The step count,
   * which completes the state, is {@link #stepCount()}. Buffers not yet used (before the first step) are zeros.
   */
  public Map<String, float[]> state() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      for (int s = 0; s < slots.size(); s++) {
        out.put(key(i, s), buffers[s][i].clone());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Restores a state exported by {@link #state()} of an optimizer of the same kind over same-named, same-sized
   * parameters, so that the next step continues exactly where that one stopped. The arrays are copied. Everything is
   * checked before anything changes: a missing, unknown or wrongly sized entry fails and leaves this optimizer as it
   * was. The learning rate is not part of the state: set it (or let the schedule set it) separately.
   *
   * @param stepCount the steps the exported optimizer had taken, non-negative
   */
  public void restoreState(Map<String, float[]> state, long stepCount) {
    if (stepCount < 0) {
      throw new IllegalArgumentException("stepCount must be non-negative: " + stepCount);
    }
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < parameters.size(); i++) {
      for (int s = 0; s < slots.size(); s++) {
        String k = key(i, s);
        float[] src = state.get(k);
        if (src == null) {
          missing.add(k);
        } else if (src.length != buffers[s][i].length) {
          throw new IllegalArgumentException(
              k + ": expected " + buffers[s][i].length + " values, got " + src.length);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " state lacks " + missing);
    }
    if (state.size() != parameters.size() * slots.size()) {
      Set<String> unknown = new TreeSet<>(state.keySet());
      for (int i = 0; i < parameters.size(); i++) {
        for (int s = 0; s < slots.size(); s++) {
          unknown.remove(key(i, s));
        }
      }
      throw new IllegalArgumentException(
          "state entries " + unknown + " are not " + getClass().getSimpleName() + " state of these parameters");
    }
    for (int i = 0; i < parameters.size(); i++) {
      for (int s = 0; s < slots.size(); s++) {
        float[] src = state.get(key(i, s));
        System.arraycopy(src, 0, buffers[s][i], 0, src.length);
      }
    }
    this.stepCount = stepCount;
  }

  private String key(int param, int slot) {
    return parameters.get(param).name() + "." + slots.get(slot);
  }

  private static void checkRate(double learningRate) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be finite and non-negative: " + learningRate);
    }
  }

  /** Shared check for hyper-parameters in [0, 1). */
  static double unitInterval(String what, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(what + " must be in [0, 1): " + v);
    }
    return v;
  }

  /** Shared check for non-negative hyper-parameters. */
  static double nonNegative(String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be finite and non-negative: " + v);
    }
    return v;
  }

  /** The hyper-parameters other than the learning rate, for {@link #toString()}. */
  protected abstract String hyperParameters();

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(lr=" + learningRate + ", " + hyperParameters() + "; " + parameters.size()
        + " parameters, step " + stepCount + ")";
  }
}
