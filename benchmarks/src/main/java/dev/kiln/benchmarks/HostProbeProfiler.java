package dev.kiln.benchmarks;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.IterationType;

/**
 * A JMH profiler ({@code -prof dev.kiln.benchmarks.HostProbeProfiler}; {@code benchmarks/run.sh} adds it) that runs
 * {@link HostProbe} on two threads of its own just before and just after each measured iteration of Kiln's 2-thread
 * benchmarks, outside the timing, and reports the two readings as secondary results, {@code host.crossCoreRead.before}
 * and {@code host.crossCoreRead.after}, one value per iteration in JMH's JSON. {@code report.py} shows them beside
 * each 2-thread Kiln cell.
 *
 * <p>A profiler rather than the benchmark's own set-up and tear-down: whatever a trial prints, JMH's GC profiler
 * counts in its last iteration (a line of readings printed at the end of each trial added 10 to 120 bytes per
 * operation to the 2-thread cells' {@code gc.alloc.rate.norm}), while a profiler's results travel with JMH's own.
 * The probe itself allocates nothing after it is made. The peers' 2-thread cells are not probed: their pools keep
 * their threads spinning between calls (OpenMP for up to 200 ms), which would share the CPUs with the probe.
 */
public final class HostProbeProfiler implements InternalProfiler {
  /** Lets the benchmark's workers (the runtime's WorkerPool, which spins 100 µs) park before the probe runs. */
  private static final long SETTLE_NANOS = 1_000_000;

  private HostProbe probe;
  private double before = Double.NaN;

  @Override
  public String getDescription() {
    return "Kiln: cost of reading across cores (HostProbe) before and after each measured 2-thread iteration";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
    before = Double.NaN;
    // Made in the first warm-up iteration, so that the GC profiler does not count its buffers in a measured one.
    if (probe == null && probesBenchmark(benchmark.getBenchmark(), benchmark.getParam("threads"))) {
      probe = new HostProbe(new Team(2));
    }
    if (!probed(benchmark, iteration)) {
      return;
    }
    LockSupport.parkNanos(SETTLE_NANOS);
    before = probe.crossCoreReadCost();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmark, IterationParams iteration,
      IterationResult result) {
    if (!probed(benchmark, iteration) || probe == null) {
      return List.of();
    }
    LockSupport.parkNanos(SETTLE_NANOS);
    double after = probe.crossCoreReadCost();
    return List.of(
        new ScalarResult("host.crossCoreRead.before", before, "ratio", AggregationPolicy.AVG),
        new ScalarResult("host.crossCoreRead.after", after, "ratio", AggregationPolicy.AVG));
  }

  /** Measured iterations of Kiln's benchmarks that run on two threads. */
  private static boolean probed(BenchmarkParams benchmark, IterationParams iteration) {
    return probed(benchmark.getBenchmark(), benchmark.getParam("threads"), iteration.getType());
  }

  /** {@code name}: the benchmark's full name; {@code threads}: its "threads" parameter, or null. */
  static boolean probed(String name, String threads, IterationType type) {
    return type == IterationType.MEASUREMENT && probesBenchmark(name, threads);
  }

  /** Kiln's benchmarks that run on two threads, whatever the iteration. */
  private static boolean probesBenchmark(String name, String threads) {
    String cls = name.substring(0, name.lastIndexOf('.'));
    if (!cls.substring(cls.lastIndexOf('.') + 1).startsWith("Kiln")) {
      return false;
    }
    return "2".equals(threads) || name.endsWith("TwoCallers") || name.endsWith("TwoThreads");
  }
}
