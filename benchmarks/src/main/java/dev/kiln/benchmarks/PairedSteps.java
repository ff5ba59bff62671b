package dev.kiln.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/**
 * An A/B of Kiln's training step that the host's two states cannot confound: several configurations of
 * {@link KilnBench#trainStepBatch64} run in one JVM, in turn, in short bursts (a fifth of a second each), so that
 * every round of bursts meets the host in one state, and the configurations are compared round by round.
 *
 * <p>Why: on the 2-vCPU virtual machines these figures come from, a 2-thread step runs in a fast or a slow state
 * that switches every few seconds to a minute (see {@link HostProbe}), so two JMH forks run one after the other
 * compare the states as much as the code (the MLP's 2-thread step read 415 to 790 µs across six forks of one
 * configuration). After each round the tool reads the {@link HostProbe} on two threads of its own, and it reports
 * each configuration's median over the rounds in each state and the median of its per-round ratio to the first.
 *
 * <p>Usage: {@code java -cp benchmarks/target/kiln-benchmarks.jar dev.kiln.benchmarks.PairedSteps mlp 2,1 30}: the
 * net, then configurations as thread counts, then the rounds; {@code 2,1} gives the 2-thread step's time over the
 * 1-thread step's in each state, the inverse of the scaling target's ratio; a {@code b} after a count ({@code
 * 2b,2,1}) cuts that configuration's batches by its threads' measured times ({@code Trainer.Builder.balanceThreads}).
 * Add {@code --add-modules jdk.incubator.vector -Dkiln.vector=true} before {@code -cp} for the Vector API kernels.
 * (Before the benchmark ran {@code Trainer.step} it kept a copy of the trainer's step with a switch for how the MLP's
 * first layer was split, and this tool compared those splits; the figures {@code docs/performance.md} quotes from it
 * came from that copy.)
 */
public final class PairedSteps {
  /** Each configuration's burst per round. */
  private static final long BURST_NANOS = 200_000_000L;
  /**
   * A probe reading at or over this is the slow state. Not the benchmark report's threshold, which is 2.1 ({@code
   * HOST_SLOW} in {@code benchmarks/report.py}, raised from 1.8 when fast iterations read up to 1.81): the {@code
   * PairedSteps} figures in {@code docs/performance.md} were split at 1.8, and a round between the two thresholds
   * counts as slow here.
   */
  private static final double SLOW = 1.8;

  private PairedSteps() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: PairedSteps NET THREADS,... ROUNDS");
    }
    String net = args[0];
    String[] configs = args[1].split(",");
    int rounds = Integer.parseInt(args[2]);
    KilnBench[] benches = new KilnBench[configs.length];
    for (int i = 0; i < configs.length; i++) {
      benches[i] = new KilnBench();
      benches[i].net = net;
      // A thread count, with "b" after it for batches cut by the threads' times (Trainer.Builder.balanceThreads).
      benches[i].balance = configs[i].endsWith("b");
      benches[i].threads = Integer.parseInt(benches[i].balance ? configs[i].substring(0, configs[i].length() - 1)
          : configs[i]);
      benches[i].setUp();
    }
    try (Team probeTeam = new Team(2)) {
      HostProbe probe = new HostProbe(probeTeam);
      for (int warm = 0; warm < 3; warm++) {
        for (KilnBench b : benches) {
          burst(b, 5 * BURST_NANOS);
        }
      }
      double[][] micros = new double[configs.length][rounds];
      double[] readings = new double[rounds];
      System.out.println(String.join("  ", configs) + "  (µs per step)  probe");
      for (int r = 0; r < rounds; r++) {
        StringBuilder row = new StringBuilder();
        for (int i = 0; i < benches.length; i++) {
          micros[i][r] = burst(benches[i], BURST_NANOS);
          row.append(String.format(Locale.ROOT, "%9.1f", micros[i][r]));
        }
        readings[r] = probe.crossCoreReadCost();
        System.out.println(row.append(String.format(Locale.ROOT, "  %.2f", readings[r])));
      }
      report(configs, micros, readings, false);
      report(configs, micros, readings, true);
    } finally {
      for (KilnBench b : benches) {
        b.tearDown();
      }
    }
  }

  /** The medians over the rounds in one state, and each configuration's median ratio to the first's. */
  private static void report(String[] configs, double[][] micros, double[] readings, boolean slow) {
    int count = 0;
    for (double reading : readings) {
      count += (reading >= SLOW) == slow ? 1 : 0;
    }
    System.out.printf(Locale.ROOT, "%s state (probe %s %.1f): %d rounds%n", slow ? "slow" : "fast",
        slow ? ">=" : "<", SLOW, count);
    if (count == 0) {
      return;
    }
    for (int i = 0; i < configs.length; i++) {
      double[] own = new double[count];
      double[] ratio = new double[count];
      for (int r = 0, k = 0; r < readings.length; r++) {
        if ((readings[r] >= SLOW) == slow) {
          own[k] = micros[i][r];
          ratio[k++] = micros[i][r] / micros[0][r];
        }
      }
      System.out.printf(Locale.ROOT, "  %-12s median %7.1f µs, %.3f of %s%n", configs[i], median(own), median(ratio),
          configs[0]);
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** Steps for {@code nanos}; the mean µs per step. */
  private static double burst(KilnBench bench, long nanos) {
    long start = System.nanoTime();
    int steps = 0;
    long elapsed;
    do {
      bench.trainStepBatch64();
      steps++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < nanos);
    return elapsed / 1e3 / steps;
  }
}
