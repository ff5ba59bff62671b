package dev.kiln.benchmarks;

import dev.kiln.runtime.LayerTimes;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.parallel.ParallelInference;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingProfile;
import java.util.Locale;

/**
 * Where a reference network's time goes, layer by layer and phase by phase: the benchmarks' work ({@link
 * KilnLatencyBench#latencyBatch1}, {@link KilnBench#throughputBatch64}, {@link KilnBench#trainStepBatch64}) run with
 * the generated passes' clocks on ({@link LayerTimes}), first for a warm-up, then for the time measured.
 *
 * <p>Usage: {@code java -Dkiln.profile=true -cp benchmarks/target/kiln-benchmarks.jar
 * dev.kiln.benchmarks.LayerProfile NET MODE THREADS SECONDS}: {@code mlp} or {@code lenet5}; {@code b1} (one image a
 * call), {@code b64} (a batch of 64 a call) or {@code train} (one training step at batch 64: softmax cross-entropy,
 * Adam); the threads (inference on more than one runs one caller's calls through {@code ParallelInference}, as the
 * benchmarks' "one call" and batch-64 rows do); the seconds of warm-up and then of measurement. It prints the wall
 * time a call or step, the layers' table (thread time, summed over the threads) and, for training, the phases'.
 *
 * <p>The clocks cost about 25 ns a layer a pass, so the total runs slower than the JMH figures (a few per cent at
 * batch 1) and a layer that takes well under a microsecond mostly shows that cost. It finds where the time goes; the
 * README's table, from JMH without the clocks, is what the speed is.
 */
public final class LayerProfile {
  private LayerProfile() {}

  public static void main(String[] args) {
    if (args.length != 4) {
      throw new IllegalArgumentException("usage: LayerProfile mlp|lenet5 b1|b64|train THREADS SECONDS");
    }
    if (!LayerTimes.ENABLED) {
      throw new IllegalStateException("the clocks are off: run with java -Dkiln.profile=true");
    }
    String net = args[0];
    String mode = args[1];
    int threads = Integer.parseInt(args[2]);
    long nanos = (long) (Double.parseDouble(args[3]) * 1e9);
    if (threads < 1) {
      throw new IllegalArgumentException("THREADS must be at least 1: " + threads);
    }
    System.out.print(run(net, mode, threads, nanos));
  }

  /** The report for {@code net} in {@code mode} on {@code threads}, after a warm-up and a measurement of {@code nanos}. */
  static String run(String net, String mode, int threads, long nanos) {
    Model model = Nets.kiln(net);
    String title = String.format(Locale.ROOT, "%s %s, %d thread%s, %s%n", net, mode, threads, threads == 1 ? "" : "s",
        System.getProperty("java.vm.version"));
    switch (mode) {
      case "b1":
      case "b64":
        return title + inference(model.eval(), mode.equals("b1") ? 1 : 64, threads, nanos);
      case "train":
        return title + training(model.train(), threads, nanos);
      default:
        throw new IllegalArgumentException("unknown mode " + mode + ": b1, b64 or train");
    }
  }

  private static String inference(Model model, int batch, int threads, long nanos) {
    float[] pixels = Inputs.pixels(batch);
    if (threads > 1) {
      try (ParallelInference parallel = new ParallelInference(model, threads, batch)) {
        loop(() -> parallel.forward(pixels, batch), nanos);
        parallel.resetLayerTimes();
        long[] callsAndNanos = loop(() -> parallel.forward(pixels, batch), nanos);
        return report(model, batch, callsAndNanos, parallel.layerTimes(),
            "split " + parallel.splitFor(batch).name().toLowerCase(Locale.ROOT));
      }
    }
    Workspace ws = model.newWorkspace(batch);
    loop(() -> model.forward(ws, pixels, batch), nanos);
    ws.layerTimes().reset();
    return report(model, batch, loop(() -> model.forward(ws, pixels, batch), nanos), ws.layerTimes(), "one caller");
  }

  private static String report(Model model, int batch, long[] callsAndNanos, LayerTimes times, String how) {
    long calls = callsAndNanos[0];
    return String.format(Locale.ROOT, "%,d calls (%s), %.2f µs a call (wall, with the clocks)%n%n", calls, how,
        callsAndNanos[1] / 1e3 / calls) + times.table(model, calls, batch);
  }

  private static String training(Model model, int threads, long nanos) {
    Batch batch = Batch.ofLabels(model.inputShape(), Inputs.pixels(64), Inputs.labels(64));
    try (Trainer trainer = Trainer.builder(model)
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), 1e-3))
        .threads(threads)
        .build()) {
      loop(() -> trainer.step(batch), nanos);
      trainer.resetProfile();
      long[] callsAndNanos = loop(() -> trainer.step(batch), nanos);
      TrainingProfile profile = trainer.profile();
      return String.format(Locale.ROOT, "%,d steps, %.1f µs a step (wall, with the clocks)%n%n", callsAndNanos[0],
          callsAndNanos[1] / 1e3 / callsAndNanos[0]) + profile.table(model, 64);
    }
  }

  /** Runs {@code work} for at least {@code nanos}; returns the calls made and the nanoseconds they took. */
  private static long[] loop(Runnable work, long nanos) {
    long began = System.nanoTime();
    long calls = 0;
    long elapsed;
    do {
      for (int i = 0; i < 100; i++) {
        work.run();
      }
      calls += 100;
      elapsed = System.nanoTime() - began;
    } while (elapsed < nanos);
    return new long[] {calls, elapsed};
  }
}
