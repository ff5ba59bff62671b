package dev.kiln.runtime.kernel;

import static com.google.common.truth.Truth.assertWithMessage;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vector API kernels allocate nothing once C2 has compiled them. Their vectors are objects to the interpreter
 * and to C1; only C2 turns them into registers, and only where it can see every use: a vector carried through nested
 * loops, for one, stays an object that C2-compiled code allocates on every iteration (this happened: the wide-grid
 * gradient copy allocated about 32 KB per LeNet-5 sample). So each kernel runs in windows of calls until a window
 * allocates nothing, for at most half a minute; a kernel that allocates for good never gets there.
 */
class VectorKernelsAllocationTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** How long a kernel may take to stop allocating: 30 s, or {@code -Dkiln.test.allocationSeconds}. */
  private static final long LIMIT_NANOS = Long.getLong("kiln.test.allocationSeconds", 30) * 1_000_000_000L;

  /** The kernels that did not stop allocating, with the bytes of their last 2,000 calls. */
  private static final List<String> STILL_ALLOCATING = new ArrayList<>();

  /**
   * Calls {@code call} in windows of 2,000 until a window allocates nothing; a kernel that does not get there within
   * the limit goes into {@link #STILL_ALLOCATING}, which {@link #assertEveryKernelStopsAllocating} asserts empty.
   */
  private static void checkStopsAllocating(String kernel, Runnable call) {
    long thread = Thread.currentThread().getId();
    long deadline = System.nanoTime() + LIMIT_NANOS;
    long bytes = -1;
    while (System.nanoTime() < deadline) {
      long before = THREADS.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 2_000; i++) {
        call.run();
      }
      bytes = THREADS.getThreadAllocatedBytes(thread) - before;
      if (bytes == 0) {
        return;
      }
    }
    STILL_ALLOCATING.add(kernel + ": " + bytes + " B in its last 2,000 calls");
  }

  @Test
  void everyKernelStopsAllocatingOnceCompiled() {
    assertEveryKernelStopsAllocating();
  }

  /**
   * The same in a JVM of its own where vectors of the other shapes went through the JDK's vector methods first, so
   * that the type profiles of those methods' call sites, which every caller in the JVM shares, name several vector
   * classes. A kernel that calls a vector method on a vector of no exact class (the result of an operation C2 has not
   * yet inlined) then gets a guarded or virtual call, the vector's species is no constant, and the vector is boxed
   * ({@link VectorClass}). Without the casts to the exact class, LeNet-5's pooled kernels allocated 8,064 and 2,400
   * bytes a call here; in the allocation probe's JVMs the same happened by chance, in about a third of them.
   */
  @Test
  void everyKernelStopsAllocatingWhereOtherVectorShapesSharedTheProfiles(@TempDir Path dir) throws Exception {
    // Two child JVMs at once: C2 compiles later and in another order when the cores are busy, and that is where the
    // kernels' vectors loaded straight from arrays were still boxed before they too were cast (VectorClass): 3 JVMs
    // in 12 with a busy loop beside each, against 0 in 20 after the casts.
    List<String> failures = runChildren(dir, "first", 2);
    if (failures.isEmpty()) {
      return;
    }
    // A child that failed gets one more JVM of its own. C2's order of compilation differs from JVM to JVM, and a
    // kernel that boxed in one child JVM of eight (four CI runs) but in none of 104 run by hand since (VectorClass, on
    // the accumulators) would otherwise fail a build on chance; a kernel that boxes whatever the order fails both. The
    // first JVM's output goes to the test's log, so that a chance failure is still seen.
    System.err.println("VectorKernelsAllocationTest: a child JVM did not reach zero allocation; running one more:");
    failures.forEach(System.err::println);
    List<String> again = runChildren(dir, "again", failures.size());
    assertWithMessage("child JVMs that did not reach zero allocation, on the second try too (the first try's:\n%s)",
            String.join("\n", failures))
        .that(again)
        .isEmpty();
  }

  /** Starts {@code count} child JVMs at once and returns the output of each that failed, with its exit status. */
  private static List<String> runChildren(Path dir, String name, int count) throws Exception {
    List<Process> children = new ArrayList<>();
    List<Path> outputs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Path output = dir.resolve(name + i + ".txt");
      outputs.add(output);
      children.add(
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                  "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                  "-Dkiln.test.allocationSeconds=" + LIMIT_NANOS / 1_000_000_000L,
                  PollutedProfiles.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start());
    }
    List<String> failures = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        Process child = children.get(i);
        assertWithMessage("child JVM %s finished in time", i).that(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        if (child.exitValue() != 0) {
          failures.add("child JVM " + name + i + " exited with " + child.exitValue() + "; its output:\n"
              + Files.readString(outputs.get(i), StandardCharsets.UTF_8));
        }
      }
    } finally {
      children.forEach(Process::destroyForcibly);
    }
    return failures;
  }

  /** The child JVM of {@link #everyKernelStopsAllocatingWhereOtherVectorShapesSharedTheProfiles}. */
  static final class PollutedProfiles {
    public static void main(String[] args) {
      float[] a = new float[64];
      float sum = 0;
      for (VectorSpecies<Float> species : List.of(FloatVector.SPECIES_64, FloatVector.SPECIES_128,
          FloatVector.SPECIES_256, FloatVector.SPECIES_512)) {
        if (species.length() == VectorLanes.LANES) {
          continue;
        }
        // Past the interpreter's and C1's profiling of these call sites (a few thousand calls).
        for (int i = 0; i < 20_000; i++) {
          FloatVector x = FloatVector.fromArray(species, a, 0);
          FloatVector y = FloatVector.broadcast(species, 0.5f);
          FloatVector z = x.fma(y, x).max(y).max(x.max(y)).add(x).mul(y);
          z.intoArray(a, 0);
          sum += z.reduceLanes(VectorOperators.ADD);
        }
      }
      assertEveryKernelStopsAllocating();
      System.out.println("every kernel reached zero allocation (" + sum + ")");
    }
  }

  static void assertEveryKernelStopsAllocating() {
    STILL_ALLOCATING.clear();
    // LeNet-5's first convolution (1x32x32 padded source, 6 filters 5x5, 28x28 output) and a small dense layer.
    int[] taps = VectorBackend.tapOffsets(1, 5, 5, 1, 1, 32, 32);
    int pw = 27 * 32 + 28;
    float[] g = new float[6 * 784];
    float[] y = new float[6 * 784];
    for (int i = 0; i < g.length; i++) {
      g[i] = (i % 7) - 3;
      y[i] = (i % 5) - 2;
    }
    float[] wide = new float[6 * pw];
    float[] src = new float[32 * 32];
    float[] w = new float[6 * 25];
    float[] gw = new float[6 * 25];
    float[] gb = new float[6];
    float[] lanes = new float[6 * 25 * VectorBackend.LANE_SLOTS];
    float[] target = new float[32 * 32];
    checkStopsAllocating("convWideGradient",
        () -> VectorBackend.convWideGradient(g, y, 0, true, wide, 6, 28, 28, 32, gb, 0));
    checkStopsAllocating("convWeightGradient",
        () -> VectorBackend.convWeightGradient(wide, pw, src, 0, taps, lanes, gw, 0, 6));
    checkStopsAllocating("convFinishWeightGradient",
        () -> VectorBackend.convFinishWeightGradient(lanes, gw, 6 * 25));
    checkStopsAllocating("convInputGradient",
        () -> VectorBackend.convInputGradient(w, 0, 6, taps, wide, pw, target, 0));
    float[][] cols = new float[25][100];
    float[][] sums = new float[6][100];
    checkStopsAllocating("convForward", () -> VectorBackend.convForward(w, gb, cols, sums, 0, 6, 100, 25));
    int[] poolWindows = ConvWindows.starts(14, 14, 56, 2);
    float[] plane = new float[784];
    float[] pooled = new float[196];
    int[] winners = new int[196];
    checkStopsAllocating("maxPool2x2",
        () -> VectorBackend.maxPool2x2(plane, 0, 28, poolWindows, pooled, 0));
    checkStopsAllocating("maxPool2x2Winners",
        () -> VectorBackend.maxPool2x2Winners(plane, 0, 28, poolWindows, pooled, winners, 0, 0));
    // LeNet-5's second pool: 25 windows, the last vector moved back.
    int[] narrowWindows = ConvWindows.starts(5, 5, 20, 2);
    checkStopsAllocating("maxPool2x2, narrow rows",
        () -> VectorBackend.maxPool2x2(plane, 0, 10, narrowWindows, pooled, 0));
    checkStopsAllocating("maxPool2x2Winners, narrow rows",
        () -> VectorBackend.maxPool2x2Winners(plane, 0, 10, narrowWindows, pooled, winners, 0, 0));
    float[] x = new float[13 * 40];
    float[] wt = VectorBackend.newDenseFlat(37, 40);
    float[] out = new float[13 * 37];
    float[] bias = new float[37];
    float[] dense = new float[37 * 40];
    checkStopsAllocating("denseForward",
        () -> VectorBackend.denseForward(x, dense, wt, bias, out, 13, 40, 37));
    // A batch of one, the MLP's first layer (one sample, four vectors of outputs at a time), with and without bias.
    float[] image = new float[784];
    float[] first = new float[256 * 784];
    float[] firstT = VectorBackend.newDenseFlat(256, 784);
    float[] firstBias = new float[256];
    float[] hidden = new float[256];
    checkStopsAllocating("denseForward, batch of one",
        () -> VectorBackend.denseForward(image, first, firstT, firstBias, hidden, 1, 784, 256));
    checkStopsAllocating("denseForward, batch of one, no bias",
        () -> VectorBackend.denseForward(image, first, firstT, null, hidden, 1, 784, 256));
    float[] narrowOut = new float[13 * 5];
    checkStopsAllocating("denseForward, narrow",
        () -> VectorBackend.denseForward(x, dense, wt, bias, narrowOut, 13, 40, 5));
    // The 24-accumulator blocks where vectors hold 16 floats: six samples by four vectors (12 x 64), eight by three
    // (8 x 48), one sample by eight vectors (128 outputs), the weight gradient's six outputs by four vectors of inputs.
    float[] wideIn = new float[12 * 64];
    float[] wideWeight = VectorBackend.newDenseFlat(128, 64);  // also the weight as it is, for the narrow paths
    float[] wideBias = new float[128];
    float[] wideOut = new float[12 * 128];
    checkStopsAllocating("denseForward, six by four",
        () -> VectorBackend.denseForward(wideIn, wideWeight, wideWeight, wideBias, wideOut, 12, 64, 64));
    checkStopsAllocating("denseForward, eight by three",
        () -> VectorBackend.denseForward(wideIn, wideWeight, wideWeight, wideBias, wideOut, 8, 64, 48));
    checkStopsAllocating("denseForward, batch of one, eight vectors",
        () -> VectorBackend.denseForward(wideIn, wideWeight, wideWeight, wideBias, wideOut, 1, 64, 128));
    float[] wideGrad = new float[128 * 64];
    float[] wideInputGrad = new float[12 * 64];
    checkStopsAllocating("denseBackward, six by four",
        () -> VectorBackend.denseBackward(wideIn, wideWeight, wideOut, wideInputGrad, wideGrad, wideBias, 12, 64, 64,
            true));
    float[] convWeight = new float[16 * 25];
    float[][] convSums = new float[16][100];
    checkStopsAllocating("convForward, eight by three",
        () -> VectorBackend.convForward(convWeight, null, cols, convSums, 0, 16, 48, 25));
    checkStopsAllocating("convForward, six by four",
        () -> VectorBackend.convForward(convWeight, wideBias, cols, convSums, 0, 6, 64, 25));
    float[] denseGrad = new float[37 * 40];
    float[] inputGrad = new float[13 * 40];
    checkStopsAllocating("denseBackward",
        () -> VectorBackend.denseBackward(x, dense, out, inputGrad, denseGrad, bias, 13, 40, 37, true));
    // Batch-in-lanes: LeNet-5's two convolutions with their pools (a block of six filters, blocks of four), one
    // without a pool (four positions along a row) over three filters (single-filter blocks), and the moves in and out.
    int group = VectorLanes.LANES;
    float[] images = new float[group * 784];
    float[] in1 = new float[32 * 32 * group];
    float[] in2 = new float[6 * 14 * 14 * group];
    float[] result = new float[400 * group];
    float[] w2 = new float[16 * 150];
    int[] taps2 = VectorBackend.tapOffsets(6, 5, 5, 1, 1, 14, 14);
    float[] features = new float[group * 400];
    checkStopsAllocating("toLanes", () -> VectorBackend.toLanes(images, 0, 1, 28, 28, 2, 2, in1));
    checkStopsAllocating("convLanes, six filters, pooled (a block of six)",
        () -> VectorBackend.convLanes(in1, 32, 32, 1, w, gb, taps, 6, 1, 1, 1, 28, 28, true, true, in2, 0, 0));
    checkStopsAllocating("convLanes, four filters, pooled",
        () -> VectorBackend.convLanes(in2, 14, 14, 6, w2, null, taps2, 16, 1, 1, 1, 10, 10, true, true, result, 0,
            0));
    float[] rows = new float[3 * 28 * 28 * group];
    checkStopsAllocating("convLanes, one filter, not pooled",
        () -> VectorBackend.convLanes(in1, 32, 32, 1, w, gb, taps, 3, 1, 1, 1, 28, 28, false, false, rows, 0, 0));
    checkStopsAllocating("fromLanes", () -> VectorBackend.fromLanes(result, 400, features, 0));
    // One sample on the pooled kernels: LeNet-5's first convolution (pooled positions in lanes, blocks of three
    // filters) and second (filters in lanes, five windows a block), rows of six (four windows a block), and blocks
    // of four filters (seven filters) and of one (two filters) with pooled positions in lanes.
    // (2,400 floats of weight and 48 of bias cover every one; the image stands in for every input.)
    float[] pooledWeight = new float[2_400];
    float[] pooledBias = new float[48];
    checkPooledStopsAllocating("positions in lanes", 1, 28, 28, 2, 6, 5, images, pooledWeight, pooledBias);
    checkPooledStopsAllocating("filters in lanes, five windows", 6, 14, 14, 0, 16, 5, images, pooledWeight,
        pooledBias);
    checkPooledStopsAllocating("filters in lanes, four windows", 6, 12, 12, 0, 16, 1, images, pooledWeight,
        null);
    checkPooledStopsAllocating("positions in lanes, four filters", 1, 28, 28, 2, 7, 5, images, pooledWeight,
        null);
    checkPooledStopsAllocating("positions in lanes, one filter", 1, 28, 28, 2, 2, 5, images, pooledWeight,
        pooledBias);
    assertWithMessage("kernels still allocating after %s s of calls each", LIMIT_NANOS / 1_000_000_000L)
        .that(STILL_ALLOCATING)
        .isEmpty();
  }

  /** One sample through the pooled kernels, a square kernel over a padded image of the given geometry. */
  private static void checkPooledStopsAllocating(String blocks, int channels, int height, int width, int pad,
      int filters, int kernel, float[] x, float[] w, float[] b) {
    int[] taps = VectorPooledConv.taps(channels, height, width, pad, pad, filters, kernel, kernel);
    float[] scratch =
        new float[VectorPooledConv.scratchSize(channels, height, width, pad, pad, filters, kernel, kernel)];
    int pooledHeight = (height + 2 * pad - kernel + 1) / 2;
    int pooledWidth = (width + 2 * pad - kernel + 1) / 2;
    float[] out = new float[filters * pooledHeight * pooledWidth];
    checkStopsAllocating("convPooled, " + blocks,
        () -> VectorBackend.convPooled(x, 0, channels, height, width, pad, pad, filters, kernel, kernel, w, w, b, taps,
            true, scratch, out, 0));
  }
}
