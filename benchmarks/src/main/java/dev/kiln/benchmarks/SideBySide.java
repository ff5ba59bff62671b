package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.Trainer;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * Two builds of Kiln side by side in one JVM: each benchmarks jar (or class path) in a class loader of its own, so
 * each has its own generated classes, runtime and JIT compilations, timed in alternating bursts and compared round
 * by round. Separate JVMs cannot compare builds on the 2-vCPU hosts these figures come from: where the JVM puts a
 * workspace's arrays, and which state the host is in, move one build's figures from JVM to JVM by more than most
 * changes (see {@link PairedSteps}, which compares configurations of one build the same way).
 *
 * <p>Usage: {@code java -cp benchmarks/target/kiln-benchmarks.jar dev.kiln.benchmarks.SideBySide OLD.jar,NEW.jar mlp
 * 1 train 20 150}: the two builds' jars (copies of {@code benchmarks/target/kiln-benchmarks.jar} built from each
 * commit; a class path of several entries works too), the net, the threads, what to time ({@code train}: {@link
 * KilnBench#trainStepBatch64}; {@code b64}: {@link KilnBench#throughputBatch64}; {@code b1}: one sample's {@code
 * Model.forward}; {@code fit}: a whole {@code Trainer.fit} epoch on the 60,000 Fashion-MNIST images, from {@link
 * FashionMnist#SYSTEM_DIR}), the rounds, and the calls per burst. It prints each build's median time per call and
 * the median of the per-round ratios of the second build's time to the first's. The timing runs in each build's own
 * code ({@link Build}, loaded from this class's jar where a build's jar lacks it), so it needs only the public API
 * the benchmarks already use.
 *
 * <p>The order matters: on this round's host the second build read about 7-15% slower than the first at batch 64 in
 * every pair run both ways, the same jar against a copy of itself included, and neither reversing the bursts every
 * other round nor loading each build twice (first, second, second, first) removed it (docs/performance.md, "Three
 * rows a pass"). Run a comparison in both orders and take the geometric
 * mean of the two ratios (the second's over the first's one way, the first's over the second's the other).
 */
public final class SideBySide {
  private SideBySide() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      throw new IllegalArgumentException("usage: SideBySide OLD,NEW NET THREADS train|b64|b1|fit ROUNDS PER_BURST");
    }
    String[] builds = args[0].split(",");
    int rounds = Integer.parseInt(args[4]);
    int perBurst = Integer.parseInt(args[5]);
    List<IntConsumer> runs = load(builds, args[1], Integer.parseInt(args[2]), args[3]);
    double[][] micros = compare(runs, rounds, perBurst, 2_000_000_000L);
    for (int b = 0; b < builds.length; b++) {
      System.out.printf(Locale.ROOT, "%-40s median %10.1f µs a call%n", builds[b], median(micros[b]));
    }
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratios[r] = micros[1][r] / micros[0][r];
    }
    System.out.printf(Locale.ROOT, "second over first, by round: median %.3f%n", median(ratios));
  }

  /**
   * Each build's timed call, each in a class loader of its own over that build's class path ({@link
   * File#pathSeparator} between entries) and this class's jar.
   */
  static List<IntConsumer> load(String[] builds, String net, int threads, String mode) throws Exception {
    List<IntConsumer> runs = new ArrayList<>();
    URL own = SideBySide.class.getProtectionDomain().getCodeSource().getLocation();
    for (String build : builds) {
      List<URL> urls = new ArrayList<>();
      for (String entry : build.split(File.pathSeparator)) {
        urls.add(Path.of(entry).toUri().toURL());
      }
      // Last, so that a build's own classes win and a build without this tool still gets its Build class.
      urls.add(own);
      URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
      runs.add(newBuild(loader, net, threads, mode));
    }
    return runs;
  }

  /**
   * Each build's time per call, µs, in each of {@code rounds} rounds of one burst of {@code perBurst} calls a build,
   * after three warm-up rounds of {@code warmNanos} a build.
   */
  static double[][] compare(List<IntConsumer> runs, int rounds, int perBurst, long warmNanos) {
    for (int warm = 0; warm < 3; warm++) {
      for (IntConsumer run : runs) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < warmNanos) {
          run.accept(perBurst);
        }
      }
    }
    double[][] micros = new double[runs.size()][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int b = 0; b < runs.size(); b++) {
        long start = System.nanoTime();
        runs.get(b).accept(perBurst);
        micros[b][r] = (System.nanoTime() - start) / 1e3 / perBurst;
      }
    }
    return micros;
  }

  private static IntConsumer newBuild(ClassLoader loader, String net, int threads, String mode) throws Exception {
    try {
      return (IntConsumer) loader.loadClass(Build.class.getName())
          .getConstructor(String.class, int.class, String.class)
          .newInstance(net, threads, mode);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** One build's timed call, constructed in that build's class loader. */
  public static final class Build implements IntConsumer {
    private final String mode;
    private KilnBench bench;
    private Model model;
    private Workspace workspace;
    private float[] pixel;
    private Trainer trainer;
    private Dataset train;
    /** Keeps the results live, so the JIT cannot drop the calls. */
    public float sink;

    public Build(String net, int threads, String mode) throws Exception {
      this.mode = mode;
      switch (mode) {
        case "train", "b64" -> {
          bench = new KilnBench();
          bench.net = net;
          bench.threads = threads;
          bench.setUp();
        }
        case "b1" -> {
          model = Nets.kiln(net).eval();
          workspace = model.newWorkspace(1);
          pixel = Inputs.pixels(1);
        }
        case "fit" -> {
          train = FashionMnist.load(FashionMnist.SYSTEM_DIR).train();
          Model fitted = Nets.kiln(net);
          trainer = Trainer.builder(fitted).loss(new SoftmaxCrossEntropy())
              .optimizer(new Adam(fitted.parameters(), 1e-3)).epochs(1).batchSize(64).seed(1).threads(threads)
              .build();
        }
        default -> throw new IllegalArgumentException("mode: train, b64, b1 or fit, not " + mode);
      }
    }

    @Override
    public void accept(int calls) {
      for (int i = 0; i < calls; i++) {
        switch (mode) {
          case "train" -> sink += (float) bench.trainStepBatch64();
          case "b64" -> sink += bench.throughputBatch64();
          case "b1" -> sink += model.forward(workspace, pixel, 1)[0];
          default -> trainer.fit(train);
        }
      }
    }
  }
}
