package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.kernel.BatchNormFolding;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What folding batch norm into the convolutions saves at inference, on one thread: LeNet-5 as it is, LeNet-5 with a
 * batch norm after each convolution ({@code Kiln_LeNet5Bn}, folded, the default) and the same with folding off
 * ({@code -Dkiln.fold=false}, set in this fork before any Kiln class loads). Folded, the batch-norm net should cost
 * what the plain one does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class KilnFoldBench {
  private static final int BATCH = 64;

  @Param({"lenet5", "lenet5bn", "lenet5bn-unfolded"})
  public String net;

  private Model model;
  private Workspace one;
  private Workspace batch;
  private float[] image;
  private float[] images;

  @Setup(Level.Trial)
  public void setUp() {
    boolean unfolded = net.endsWith("-unfolded");
    if (unfolded) {
      System.setProperty("kiln.fold", "false");
    }
    if (BatchNormFolding.ENABLED == unfolded) {
      throw new IllegalStateException("folding is " + (BatchNormFolding.ENABLED ? "on" : "off") + " for " + net
          + ": BatchNormFolding was loaded before the property was set");
    }
    model = Nets.kiln(net.replace("-unfolded", "")).eval();
    one = model.newWorkspace(1);
    batch = model.newWorkspace(BATCH);
    image = Inputs.pixels(1);
    images = Inputs.pixels(BATCH);
  }

  @Benchmark
  public float latencyBatch1() {
    return model.forward(one, image, 1)[0];
  }

  @Benchmark
  public float throughputBatch64() {
    return model.forward(batch, images, BATCH)[0];
  }
}
