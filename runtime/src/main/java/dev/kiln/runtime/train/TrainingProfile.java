package dev.kiln.runtime.train;

import dev.kiln.runtime.LayerTimes;
import dev.kiln.runtime.Model;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where a trainer's steps spent their time, where the JVM was started with {@code -Dkiln.profile=true} ({@link
 * LayerTimes#ENABLED}): the wall-clock time of each phase of a step as the calling thread saw it, and every layer's
 * forward and backward time summed over the trainer's threads ({@link LayerTimes}). A snapshot: {@link
 * Trainer#profile()} makes a new one, {@link Trainer#resetProfile()} starts the count again.
 *
 * <p>On one thread a step runs the shards' phase (forward, loss and backward on the whole batch), the check for
 * non-finite gradients and the optimizer; the weight copies the forward pass reads are remade by the next forward
 * pass, inside its layers' times. On several threads the phases are separate runs of the trainer's pool, each ended
 * when its slowest thread is done, so a phase's time includes its threads' imbalance and the pool's hand-offs.
 */
public final class TrainingProfile {
  /** The phases of a training step, in the order a step runs them. */
  public enum Phase {
    /** The first layer's forward pass, split by outputs across the threads (two threads, where it applies). */
    SPLIT_FORWARD("first layer forward, split"),
    /** Each thread's shard of the batch: forward, loss and backward (all of the step on one thread). */
    SHARDS("shards: forward, loss, backward"),
    /** The first layer's weight gradient split across the threads, with the other gradients' reduction and check. */
    SPLIT_GRADIENT("first layer gradient, reduce, check"),
    /** The shards' gradients added into the model's and checked for NaN and infinities. */
    REDUCE("reduce, check"),
    /** The optimizer's update of every parameter. */
    OPTIMIZER("optimizer"),
    /** The forward pass's copies of the weights remade by the threads after the optimizer (several threads). */
    REPACK("weight copies remade");

    private final String label;

    Phase(String label) {
      this.label = label;
    }

    /** The phase in words, for tables. */
    public String label() {
      return label;
    }
  }

  private final long steps;
  private final long[] phaseNanos;
  private final LayerTimes layers;

  TrainingProfile(long steps, long[] phaseNanos, LayerTimes layers) {
    this.steps = steps;
    this.phaseNanos = phaseNanos.clone();
    this.layers = layers;
  }

  /** Batches trained since the count began. */
  public long steps() {
    return steps;
  }

  /** The calling thread's wall-clock nanoseconds in {@code phase}, summed over the steps. */
  public long phaseNanos(Phase phase) {
    return phaseNanos[phase.ordinal()];
  }

  /** Every layer's times, summed over the trainer's threads and the steps. */
  public LayerTimes layers() {
    return layers;
  }

  /**
   * Two tables for {@code model} (the trainer's) with {@code samples} samples a step: the phases' wall time per step
   * in microseconds and their shares of the step, then the layers' per step ({@link LayerTimes#table}), thread time
   * added over the threads.
   */
  public String table(Model model, int samples) {
    if (steps == 0) {
      return "no steps recorded\n";
    }
    long total = Arrays.stream(phaseNanos).sum();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-40s %12s %7s%n", "phase (wall time)", "µs a step", "share"));
    for (Phase p : Phase.values()) {
      long ns = phaseNanos[p.ordinal()];
      if (ns > 0) {
        sb.append(String.format(Locale.ROOT, "%-40s %12.1f %6.1f%%%n", p.label(), ns / 1e3 / steps, 100.0 * ns / total));
      }
    }
    sb.append(String.format(Locale.ROOT, "%-40s %12.1f%n%n", "step", total / 1e3 / steps));
    sb.append("layers (thread time, summed over the threads):\n");
    sb.append(layers.table(model, steps, samples));
    return sb.toString();
  }
}
