package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The host probe does the work it times, on every thread, and reports it in the form report.py reads. */
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
  void lineIsTheJsonReportPyReads() {
    String line = KilnBench.hostProbeLine("dev.kiln.benchmarks.KilnVectorBench.trainStepBatch64", "mlp", 2,
        new double[] {1.3, 2.4567, 9}, new double[] {1.31, 2.5, 9}, 2);
    assertEquals("kiln-host-probe {\"benchmark\": \"dev.kiln.benchmarks.KilnVectorBench.trainStepBatch64\", "
        + "\"net\": \"mlp\", \"threads\": 2, \"before\": [1.300, 2.457], \"after\": [1.310, 2.500]}", line);
  }
}
