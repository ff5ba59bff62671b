package dev.kiln.samples;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.io.LoadReport;
import dev.kiln.runtime.io.Weights;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.ConsoleProgress;
import dev.kiln.runtime.train.Evaluation;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingHistory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The main job: prints the compile-time summary of the generated LeNet-5, trains it on Fashion-MNIST with a progress
 * bar and a per-epoch table, evaluates it on the 10,000 test images, saves the weights as safetensors, reloads them
 * to prove the file, and draws the loss, accuracy and confusion matrix into a PNG.
 *
 * <p>Run by {@code mvn -q -DskipTests -Pdemo install} (the {@code demo} profile of this module), or directly:
 *
 * <pre>
 * java -cp samples/target/classes:runtime/target/classes dev.kiln.samples.TrainLeNet5 [options]
 *   --data=auto|shipped|full|DIR  auto (default): the installed full set, else the shipped 10,000-image subset
 *   --epochs=N     default 10 on the subset, 3 on the full set (about two minutes on two cores either way)
 *   --batch=64  --lr=0.001  --seed=1  --threads=N (default: cores, at most 4)
 *   --out=DIR      where lenet5.safetensors and lenet5-training.png go (default target)
 * </pre>
 *
 * The recipe is PyTorch's reference run (Adam, lr 1e-3, batch 64, seed 1), so with {@code --data=full --epochs=10}
 * the result compares with its 0.896-0.898 test accuracy. The test set is evaluated after every epoch to draw its
 * curve; it never picks the weights (no early stopping, no restoring), so the final figure is an honest test score.
 */
public final class TrainLeNet5 {
  /** Epochs when none are given: about the same two minutes of training on either data set. */
  static final int SUBSET_EPOCHS = 10;
  static final int FULL_EPOCHS = 3;

  private TrainLeNet5() {}

  /** What a run achieved and where it put its files. */
  public record Result(TrainingHistory history, Evaluation test, Path weights, Path chart) {}

  public static void main(String[] args) throws IOException {
    Locale.setDefault(Locale.ROOT); // decimal points, not commas, in the tables whatever the machine's locale
    Args a = Args.parse(args, Set.of("data", "epochs", "batch", "lr", "seed", "threads", "out"));
    FashionData.Source source = FashionData.resolve(a.get("data", "auto"));
    int epochs = a.getInt("epochs", source.full() ? FULL_EPOCHS : SUBSET_EPOCHS);
    int threads = a.getInt("threads", Math.min(4, Runtime.getRuntime().availableProcessors()));
    Path out = Path.of(a.get("out", "target"));
    run(source, epochs, a.getInt("batch", 64), a.getDouble("lr", 1e-3), a.getInt("seed", 1), threads, out,
        System.out);
  }

  /** Trains, evaluates, saves and charts; prints everything a person wants to see to {@code log}. */
  public static Result run(FashionData.Source source, int epochs, int batch, double lr, long seed, int threads,
      Path outDir, PrintStream log) throws IOException {
    long start = System.nanoTime();
    FashionMnist data = source.data();
    log.println("Kiln LeNet-5 on Fashion-MNIST");
    log.println("data: " + source.description());
    log.printf("recipe: Adam lr %s, batch %d, %d epochs, seed %d, %d threads%n%n", lr, batch, epochs, seed,
        threads);

    Model model = new Kiln_LeNet5();
    log.println(model.summary()); // the table javac's processor computed: shapes, parameters, multiply-adds
    TrainingHistory history;
    Evaluation test;
    try (Trainer trainer = Trainer.builder(model)
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), lr))
        .epochs(epochs).batchSize(batch).seed(seed)
        .validation(data.test())            // evaluated after each epoch for the curves; it picks nothing
        .threads(threads)                   // each batch split over the threads, gradients summed
        .listener(new ConsoleProgress(log, System.console() != null))  // a bar on a terminal; a table always
        .build()) {
      history = trainer.fit(data.train());     // ends in inference mode
      test = trainer.evaluate(data.test());    // loss, accuracy, confusion matrix
    }
    return report(source, model, history, test,
        String.format("Adam lr %s, batch %d, %d epochs, seed %d", lr, batch, epochs, seed), outDir, start, log);
  }

  private static Result report(FashionData.Source source, Model model, TrainingHistory history, Evaluation test,
      String recipe, Path outDir, long start, PrintStream log) throws IOException {
    FashionMnist data = source.data();
    log.println("(val = the test set: evaluated after each epoch for the curves, never used to pick weights)");
    log.println();
    log.println("test set: " + test);
    log.println(test.confusion());

    Path weights = outDir.resolve("lenet5.safetensors").toAbsolutePath();
    Weights.save(model, weights, Map.of("recipe", recipe));  // atomic: temporary file, fsync, rename
    Model restored = new Kiln_LeNet5();
    LoadReport report = Weights.load(restored, weights);     // strict: every name, shape and dtype checked
    double reloaded = Evaluation.evaluate(restored, data.test()).accuracy();
    log.printf("weights: %s (%d tensors; reloaded, test accuracy %.4f)%n", weights, report.loaded().size(),
        reloaded);
    if (reloaded != test.accuracy()) {
      throw new IllegalStateException("reloaded weights score " + reloaded + ", the trained model " + test.accuracy());
    }

    Path chart = outDir.resolve("lenet5-training.png").toAbsolutePath();
    try {
      TrainingChart.write(chart, "Kiln LeNet-5 on Fashion-MNIST",
          String.format("%s; %s; final test accuracy %.2f%%", source.description(), recipe, 100 * test.accuracy()),
          history, test.confusion());
      log.println("chart:   " + chart);
    } catch (IOException | RuntimeException | LinkageError | java.awt.AWTError | InternalError e) {
      // A JDK without fonts or image I/O must not cost the user the trained model: report and go on.
      chart = null;
      log.println("chart:   not written (" + e + ")");
    }
    log.printf("test accuracy %.4f (%d/%d) after %d epochs; %.0f s in all%n", test.accuracy(),
        test.confusion().correct(), test.samples(), history.epochCount(), (System.nanoTime() - start) * 1e-9);
    return new Result(history, test, weights, chart);
  }
}
