package dev.kiln.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Counts the heap bytes each Kiln benchmark operation allocates, exactly: the per-thread allocation counters of
 * every live thread (the caller and the {@link Team} workers) before and after a run of operations, less what the
 * reading itself costs. JMH's {@code -prof gc} shows the same quantity, but its {@code gc.alloc.rate.norm} also
 * carries the harness's own few kilobytes per iteration, spread over the operations of that iteration, which for
 * operations of milliseconds is tens to hundreds of bytes and hides whether the operation itself allocates.
 *
 * <p>Usage: {@code AllocationProbe [output.json]} (with {@code --add-modules jdk.incubator.vector
 * -Dkiln.vector=true} on the {@code java} command to probe the opt-in Vector API kernels); prints one line per
 * benchmark and, given a path, writes
 * {@code [{"benchmark": ..., "net": ..., "threads": ..., "bytesPerOp": ...}, ...]}.
 */
public final class AllocationProbe {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Shortest warm-up per benchmark, as JMH's: 5 iterations of 2 s. */
  private static final long WARMUP_NANOS = 10_000_000_000L;
  /** Operations to warm up with (past C2's thresholds: 5,000 calls of a method), unless that takes over a minute. */
  private static final int WARMUP_OPS = 15_000;
  private static final long WARMUP_LIMIT_NANOS = 60_000_000_000L;

  private AllocationProbe() {}

  public static void main(String[] args) throws IOException {
    if (!THREADS.isThreadAllocatedMemorySupported()) {
      throw new IllegalStateException("this JVM does not count allocated bytes per thread");
    }
    THREADS.setThreadAllocatedMemoryEnabled(true);
    // run.sh runs the probe twice, the second time with the opt-in kernels' flags: say which this is.
    System.out.println("Vector API kernels: " + (dev.kiln.runtime.kernel.VectorBackend.ENABLED ? "on" : "off"));
    List<String> rows = new ArrayList<>();
    for (String net : new String[] {"mlp", "lenet5"}) {
      for (int threads : new int[] {1, 2}) {
        KilnBench bench = new KilnBench();
        bench.net = net;
        bench.threads = threads;
        bench.setUp();
        try {
          rows.add(probe("KilnBench.throughputBatch64", net, threads, bench::throughputBatch64));
          rows.add(probe("KilnBench.trainStepBatch64", net, threads, bench::trainStepBatch64));
        } finally {
          bench.tearDown();
        }
      }
      KilnLatencyBench latency = new KilnLatencyBench();
      KilnLatencyBench.Shared shared = new KilnLatencyBench.Shared();
      shared.net = net;
      shared.setUp();
      KilnLatencyBench.Caller caller = new KilnLatencyBench.Caller();
      caller.setUp(shared);
      rows.add(probe("KilnLatencyBench.latencyBatch1", net, 1, () -> latency.latencyBatch1(shared, caller)));
      KilnLatencyBench.TwoThreads call = new KilnLatencyBench.TwoThreads();
      call.setUp(shared);
      try {
        rows.add(probe("KilnLatencyBench.latencyBatch1TwoThreads", net, 2,
            () -> latency.latencyBatch1TwoThreads(call)));
      } finally {
        call.tearDown();
      }
    }
    String json = "[\n  " + String.join(",\n  ", rows) + "\n]\n";
    if (args.length > 0) {
      Files.writeString(Path.of(args[0]), json, StandardCharsets.UTF_8);
    }
  }

  private static String probe(String name, String net, int threads, DoubleSupplier op) {
    double sink = 0;
    // Warm up at least as long as JMH does before it measures (KilnBench: 5 iterations of 2 s) and on for at least
    // WARMUP_OPS operations, so that every method the operation calls has reached C2 before counting starts. Traced
    // with JFR (-XX:-UseTLAB and the ObjectAllocationOutsideTLAB event), the bytes a shorter warm-up had counted
    // (0.4 to 1.5 B/op in some runs) were strings the VM creates once per class when it first hands one of the
    // class's methods to C2: it resolves the class's string constants (error messages) and signature classes on the
    // thread that triggered the compilation. For methods called once per operation that happens after some
    // thousands of operations; after it, nothing more is allocated.
    // The warm-up and the counted run both go through run(), so that the counted loop is already compiled: when C2
    // compiled the counted loop itself mid-run (on-stack replacement), that compilation's strings were counted, 704
    // bytes on the main thread, once, in whichever benchmark crossed the threshold (the tuned JVM's MLP 2-thread
    // training step in three tables, traced with -XX:+PrintCompilation).
    long start = System.nanoTime();
    int warm = 0;
    while (warm < 50
        || System.nanoTime() - start < WARMUP_NANOS
        || warm < WARMUP_OPS && System.nanoTime() - start < WARMUP_LIMIT_NANOS) {
      sink += run(op, 1);
      warm++;
    }
    long[] ids = THREADS.getAllThreadIds();
    long[] before = new long[ids.length];
    long[] after = new long[ids.length];
    // What reading the counters costs: two readings with nothing between them.
    long overhead = allocated(ids, before, after);
    int ops = Math.max(20, Math.min(2_000, warm / 2));
    long total = read(ids, before);
    sink += run(op, ops);
    total = read(ids, after) - total - overhead;
    double perOp = Math.max(0, total) / (double) ops;
    System.out.printf(
        Locale.ROOT, "%-36s %-7s threads=%d  %10.2f B/op  (%d ops)%s%s%n", name, net, threads, perOp, ops,
        Double.isNaN(sink) ? " NaN" : "", total > 0 ? " " + allocatingThreads(ids, before, after) : "");
    return String.format(
        Locale.ROOT,
        "{\"benchmark\": \"%s\", \"net\": \"%s\", \"threads\": %d, \"bytesPerOp\": %.3f, \"ops\": %d}",
        name, net, threads, perOp, ops);
  }

  /** {@code count} operations; their results summed so that none can be left out. */
  private static double run(DoubleSupplier op, int count) {
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += op.getAsDouble();
    }
    return sum;
  }

  /** Which threads allocated between the two readings, and how much: {@code [main 64 B]}. */
  private static String allocatingThreads(long[] ids, long[] before, long[] after) {
    StringBuilder sb = new StringBuilder("[");
    java.lang.management.ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long delta = after[i] - before[i];
      if (before[i] >= 0 && after[i] >= 0 && delta > 0) {
        String threadName = infos[i] == null ? "thread " + ids[i] : infos[i].getThreadName();
        sb.append(sb.length() > 1 ? ", " : "").append(threadName).append(' ').append(delta).append(" B");
      }
    }
    return sb.append(']').toString();
  }

  private static long allocated(long[] ids, long[] before, long[] after) {
    long a = read(ids, before);
    long b = read(ids, after);
    return b - a;
  }

  /** Sum of the allocated bytes of threads {@code ids} (-1 for those that have ended), into {@code into}. */
  private static long read(long[] ids, long[] into) {
    long[] values = THREADS.getThreadAllocatedBytes(ids);
    long sum = 0;
    for (int i = 0; i < values.length; i++) {
      into[i] = values[i];
      if (values[i] > 0) {
        sum += values[i];
      }
    }
    return sum;
  }
}
