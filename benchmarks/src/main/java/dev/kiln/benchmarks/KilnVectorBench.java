package dev.kiln.benchmarks;

import dev.kiln.runtime.kernel.VectorBackend;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * {@link KilnBench}'s batch-64 inference and training step with Kiln's opt-in Vector API kernels turned on ({@code
 * -Dkiln.vector=true} with {@code --add-modules jdk.incubator.vector}), in a JVM of its own so that the default
 * benchmarks run without them. The report shows it beside the default figures.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules", "jdk.incubator.vector", "-Dkiln.vector=true"})
public class KilnVectorBench extends KilnBench {
  /** Fails the trial rather than report default-path figures under this name. */
  @Setup(Level.Trial)
  public void checkVectorKernelsOn() {
    if (!VectorBackend.ENABLED) {
      throw new IllegalStateException("the Vector API kernels are off in this fork");
    }
  }
}
