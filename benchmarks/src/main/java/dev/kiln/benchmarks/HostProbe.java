package dev.kiln.benchmarks;

/**
 * Measures what it costs on this machine, right now, for one thread to read data another thread has just written, so
 * that a 2-thread figure can be read against it. Each thread of a {@link Team} writes a buffer of its own (256 KB,
 * within a core's L2) and then reads back one value per cache line, once its own buffer and once another thread's;
 * the probe returns the time of the reads of the other's buffer over the time of the reads of its own. Reading one's
 * own lines costs nothing extra, so the figure is about 1 plus the price of moving lines between the two cores.
 *
 * <p>Why this measure: on the 2-vCPU virtual machines these figures come from, Kiln's 2-thread training step runs in
 * one of two states that last seconds to a minute and switch in the middle of a JVM's run (the MLP with the Vector
 * API kernels: about 550 or about 950 µs a step; same code, no GC, no recompilation in between). A data-parallel
 * step moves data between the threads every step (each reads the half of the weights the other's share of the
 * optimizer step wrote, and half of the other's gradients), and in a scratch run alternating steps and probes this
 * figure read 1.3 in the fast state and 2.2-2.7 in the slow one (2.4-3.1 in full runs; on a later AMD Zen 5 VM,
 * 1.6-1.8 and 2.5-4.8 in two full runs), while probes in which each
 * thread works only on its own data (multiply-adds in L1, a transpose of 800 KB) read the same in both. So the slow state is the host placing
 * the two virtual CPUs where moving lines between them costs about twice as much, not Kiln's code changing.
 *
 * <p>It allocates its buffers once and runs itself 200 times when made (about 0.2 s, so that its loops are compiled);
 * a probe allocates nothing. {@link HostProbeProfiler} runs it around the benchmarks' measured iterations.
 */
final class HostProbe {
  /** Floats per thread's buffer: 256 KB. */
  private static final int FLOATS = 64 * 1024;
  /** Floats per 64-byte cache line: the reads take one value per line. */
  private static final int LINE = 16;
  /** Rounds of write, read own, write, read other's per probe (about 1 ms in all); the median round counts. */
  private static final int ROUNDS = 21;
  /** Probes run when the probe is made, so that C2 has compiled its loops before the first that counts. */
  private static final int WARM_UP = 200;

  private final Team team;
  private final float[][] buffers;
  /** What the reads found, one cache line per thread (no false sharing), so that they cannot be left out. */
  private final float[] sums;
  private final double[] ratios = new double[ROUNDS];
  private int written;
  private final Team.Part write;
  private final Team.Part readOwn;
  private final Team.Part readOther;

  HostProbe(Team team) {
    if (team.size() < 2) {
      throw new IllegalArgumentException("a host probe needs two threads or more: " + team.size());
    }
    this.team = team;
    this.buffers = new float[team.size()][FLOATS];
    this.sums = new float[team.size() * LINE];
    this.write = this::write;
    this.readOwn = p -> read(p, p);
    this.readOther = p -> read(p, (p + 1) % buffers.length);
    for (int i = 0; i < WARM_UP; i++) {
      crossCoreReadCost();
    }
  }

  /**
   * Time to read another thread's freshly written buffer over time to read one's own, every thread at once: about 1
   * plus the cost of moving cache lines between the threads' cores.
   */
  double crossCoreReadCost() {
    for (int round = 0; round < ROUNDS; round++) {
      written++;
      team.run(write);
      long start = System.nanoTime();
      team.run(readOwn);
      long own = System.nanoTime() - start;
      written++;
      team.run(write);
      start = System.nanoTime();
      team.run(readOther);
      ratios[round] = (double) (System.nanoTime() - start) / own;
    }
    java.util.Arrays.sort(ratios);
    return ratios[ROUNDS / 2];
  }

  /** Thread {@code part}'s sum of one value per line of the buffer it last read (for tests). */
  float lastSum(int part) {
    return sums[part * LINE];
  }

  /** The value {@link #write} puts at index {@code i} in its latest round (for tests). */
  float writtenValue(int i) {
    return written + i;
  }

  private void write(int part) {
    float[] b = buffers[part];
    float base = written;
    for (int i = 0; i < b.length; i++) {
      b[i] = base + i;
    }
  }

  private void read(int part, int from) {
    float[] b = buffers[from];
    float sum = 0;
    for (int i = 0; i < b.length; i += LINE) {
      sum += b[i];
    }
    sums[part * LINE] = sum;
  }
}
