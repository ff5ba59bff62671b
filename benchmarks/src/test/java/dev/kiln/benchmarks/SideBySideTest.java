package dev.kiln.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/** {@link SideBySide} gives each build classes of its own and times every build in every round. */
class SideBySideTest {
  @Test
  void eachBuildRunsInAClassLoaderOfItsOwn() throws Exception {
    String classPath = System.getProperty("java.class.path");
    List<IntConsumer> runs = SideBySide.load(new String[] {classPath, classPath}, "mlp", 1, "b1");
    assertEquals(2, runs.size());
    ClassLoader first = runs.get(0).getClass().getClassLoader();
    ClassLoader second = runs.get(1).getClass().getClassLoader();
    assertNotSame(first, second);
    assertNotSame(SideBySideTest.class.getClassLoader(), first);
    // The generated network too: each build compiles and runs its own copy.
    assertNotSame(first.loadClass("dev.kiln.samples.Kiln_Mlp"), second.loadClass("dev.kiln.samples.Kiln_Mlp"));
    double[][] micros = SideBySide.compare(runs, 3, 10, 1_000_000L);
    for (double[] build : micros) {
      assertEquals(3, build.length);
      for (double time : build) {
        assertTrue(time > 0, "a positive time per call: " + time);
      }
    }
  }
}
