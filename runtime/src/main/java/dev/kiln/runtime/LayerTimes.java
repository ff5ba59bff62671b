package dev.kiln.runtime;

import dev.kiln.runtime.layer.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a workspace's passes spent their time, layer by layer: the wall-clock nanoseconds of each layer's forward and
 * backward statements, summed over the passes run on that workspace since the last {@link #reset()}.
 *
 * <p>Off by default, and then free: the generated passes read the clock only where {@link #ENABLED} is true, a
 * constant that the JVM's compiler folds, so a network compiled by Kiln runs the same machine code as without these
 * statements. Start the JVM with {@code -Dkiln.profile=true} to turn it on; each layer then costs two reads of the
 * clock a pass (about 25 ns on the machines measured), so figures for layers that take well under a microsecond
 * mostly show that cost. {@code benchmarks/}' {@code LayerProfile} prints these tables for the reference networks.
 *
 * <p>A layer's time is everything the pass did since the layer before it had finished: its own kernels, its fused
 * activation or pool, the residual sum it feeds, and (for the first layer) what the pass did before any layer. Where
 * training splits the first layer across threads ({@link Model#splitsForward}), each thread's share of that layer's
 * forward pass and weight gradient counts towards the workspace that thread uses. A backward pass that must first
 * run the layers again as written (after an inference that folded batch norms or ran convolutions in lanes) counts
 * that as forward time, with one more forward pass. {@code ParallelInference}'s shares of a call (the first dense
 * layer by inputs, the leading convolutions by filters) count towards those layers in its threads' workspaces, which
 * its {@code layerTimes()} sums. One workspace serves one thread at a time, and so does its record: read it from that
 * thread, or after the threads have stopped.
 */
public final class LayerTimes {
  /** Whether the generated passes time their layers ({@code -Dkiln.profile=true}); read once, when this loads. */
  public static final boolean ENABLED = Boolean.getBoolean("kiln.profile");

  private final long[] forwardNanos;
  private final long[] backwardNanos;
  private long forwardPasses;
  private long backwardPasses;

  /** An empty record for a network of {@code layers} layers. */
  public LayerTimes(int layers) {
    if (layers < 1) {
      throw new IllegalArgumentException("a network has at least one layer: " + layers);
    }
    forwardNanos = new long[layers];
    backwardNanos = new long[layers];
  }

  /** The number of layers this record has a place for. */
  public int layers() {
    return forwardNanos.length;
  }

  /** Counts a forward pass beginning; returns the clock reading the first layer's time starts from. */
  public long beginForward() {
    forwardPasses++;
    return System.nanoTime();
  }

  /** Counts a backward pass beginning; returns the clock reading the last layer's time starts from. */
  public long beginBackward() {
    backwardPasses++;
    return System.nanoTime();
  }

  /** Adds the time since {@code since} to layer {@code layer}'s forward time; returns the clock reading it took. */
  public long forward(int layer, long since) {
    long now = System.nanoTime();
    forwardNanos[layer] += now - since;
    return now;
  }

  /** Adds the time since {@code since} to layer {@code layer}'s backward time; returns the clock reading it took. */
  public long backward(int layer, long since) {
    long now = System.nanoTime();
    backwardNanos[layer] += now - since;
    return now;
  }

  /** Layer {@code layer}'s forward time, in nanoseconds, summed over the passes since the last reset. */
  public long forwardNanos(int layer) {
    return forwardNanos[layer];
  }

  /** Layer {@code layer}'s backward time, in nanoseconds, summed over the passes since the last reset. */
  public long backwardNanos(int layer) {
    return backwardNanos[layer];
  }

  /** Forward passes begun since the last reset. */
  public long forwardPasses() {
    return forwardPasses;
  }

  /** Backward passes begun since the last reset. */
  public long backwardPasses() {
    return backwardPasses;
  }

  /** Forgets every time and pass recorded so far. */
  public void reset() {
    java.util.Arrays.fill(forwardNanos, 0);
    java.util.Arrays.fill(backwardNanos, 0);
    forwardPasses = 0;
    backwardPasses = 0;
  }

  /**
   * The sum of several workspaces' records of the same network (the threads of a trainer): every layer's times and
   * the passes added up, so that a layer's time per pass of the sum is its time per shard's pass, summed over the
   * threads.
   */
  public static LayerTimes sum(List<LayerTimes> records) {
    if (records.isEmpty()) {
      throw new IllegalArgumentException("no records to sum");
    }
    LayerTimes total = new LayerTimes(records.get(0).layers());
    for (LayerTimes r : records) {
      if (r.layers() != total.layers()) {
        throw new IllegalArgumentException(
            "records of networks of " + total.layers() + " and " + r.layers() + " layers cannot be summed");
      }
      for (int i = 0; i < total.layers(); i++) {
        total.forwardNanos[i] += r.forwardNanos[i];
        total.backwardNanos[i] += r.backwardNanos[i];
      }
      total.forwardPasses += r.forwardPasses;
      total.backwardPasses += r.backwardPasses;
    }
    return total;
  }

  /**
   * The {@link #sum} of the records of {@code workspaces}, which run one network (a pool's or a trainer's threads);
   * only where the JVM profiles, when every workspace has a record.
   */
  public static LayerTimes sumOf(Workspace[] workspaces) {
    List<LayerTimes> records = new ArrayList<>(workspaces.length);
    for (Workspace ws : workspaces) {
      records.add(ws.layerTimes());
    }
    return sum(records);
  }

  /** {@link #reset} on the record of every one of {@code workspaces}; only where the JVM profiles. */
  public static void resetAll(Workspace[] workspaces) {
    for (Workspace ws : workspaces) {
      ws.layerTimes().reset();
    }
  }

  /**
   * A table of {@code model}'s layers (the network this record is of): each layer's forward time per {@code per}
   * operations (a call, a training step) in microseconds, its share of the total and its multiply-adds' rate in
   * GFLOP/s for {@code samples} samples an operation (two floating-point operations a multiply-add); then, where
   * backward passes were recorded, each layer's backward time and share.
   */
  public String table(Model model, long per, int samples) {
    List<Layer> layers = model.layers();
    if (layers.size() != layers()) {
      throw new IllegalArgumentException(
          model.name() + " has " + layers.size() + " layers, this record " + layers() + ": not its record");
    }
    if (per < 1) {
      throw new IllegalArgumentException("no operations to divide by: " + per);
    }
    long total = 0;
    for (int i = 0; i < layers(); i++) {
      total += forwardNanos[i] + backwardNanos[i];
    }
    boolean backward = backwardPasses > 0;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-12s %-34s %12s %7s %9s", "layer", "type", "forward µs", "share", "GFLOP/s"));
    sb.append(backward ? String.format(Locale.ROOT, " %12s %7s%n", "backward µs", "share") : String.format(Locale.ROOT, "%n"));
    for (int i = 0; i < layers(); i++) {
      Layer layer = layers.get(i);
      double flops = 2.0 * layer.multiplyAdds() * samples * per;
      String rate = flops == 0 || forwardNanos[i] == 0 ? "" : String.format(Locale.ROOT, "%.1f", flops / forwardNanos[i]);
      sb.append(String.format(Locale.ROOT, "%-12s %-34s %12.2f %6.1f%% %9s", layer.name(), layer.description(),
          forwardNanos[i] / 1e3 / per, share(forwardNanos[i], total), rate));
      sb.append(backward ? String.format(Locale.ROOT, " %12.2f %6.1f%%%n", backwardNanos[i] / 1e3 / per,
          share(backwardNanos[i], total)) : String.format(Locale.ROOT, "%n"));
    }
    return sb.toString();
  }

  private static double share(long part, long total) {
    return total == 0 ? 0 : 100.0 * part / total;
  }
}
