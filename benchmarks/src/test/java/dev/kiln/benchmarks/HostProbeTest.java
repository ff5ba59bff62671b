package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.IterationType;

/** The host probe does the work it times, on every thread, and its profiler probes the iterations it should. */
class HostProbeTest {
  @Test
  void everyThreadReadsTheBufferWrittenLast() {
    try (Team team = new Team(2)) {
      HostProbe probe = new HostProbe(team);
      double cost = probe.crossCoreReadCost();
      assertTrue(cost > 0 && Double.isFinite(cost), "cost " + cost);
      // The last reads are of the other thread's buffer, written in the same round as one's own.
      float expected = 0;
      for (int i = 0; i < 64 * 1024; i += 16) {
        expected += probe.writtenValue(i);
      }
      assertEquals(expected, probe.lastSum(0));
      assertEquals(expected, probe.lastSum(1));
    }
  }

  @Test
  void oneThreadIsRefused() {
    try (Team team = new Team(1)) {
      assertThrows(IllegalArgumentException.class, () -> new HostProbe(team));
    }
  }

  @Test
  void profilerProbesKilnsMeasuredTwoThreadIterationsOnly() {
    String p = "dev.kiln.benchmarks.";
    assertTrue(HostProbeProfiler.probed(p + "KilnBench.trainStepBatch64", "2", IterationType.MEASUREMENT));
    assertTrue(HostProbeProfiler.probed(p + "KilnVectorBench.throughputBatch64", "2", IterationType.MEASUREMENT));
    assertTrue(HostProbeProfiler.probed(p + "KilnLatencyBench.latencyBatch1TwoCallers", null,
        IterationType.MEASUREMENT));
    assertTrue(HostProbeProfiler.probed(p + "KilnVectorLatencyBench.latencyBatch1TwoThreads", null,
        IterationType.MEASUREMENT));
    assertFalse(HostProbeProfiler.probed(p + "KilnBench.trainStepBatch64", "2", IterationType.WARMUP));
    assertFalse(HostProbeProfiler.probed(p + "KilnBench.trainStepBatch64", "1", IterationType.MEASUREMENT));
    assertFalse(HostProbeProfiler.probed(p + "KilnLatencyBench.latencyBatch1", null, IterationType.MEASUREMENT));
    assertFalse(HostProbeProfiler.probed(p + "OrtBench.throughputBatch64", "2", IterationType.MEASUREMENT));
  }
}
