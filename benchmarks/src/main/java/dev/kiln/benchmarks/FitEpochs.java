package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.EpochResult;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.runtime.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times whole epochs of {@link Trainer#fit} on the full Fashion-MNIST training set (installed by the Debian package
 * {@code dataset-fashion-mnist}), where {@code PairedSteps} repeats one batch: shuffled batches, an epoch's smaller
 * last batch, the trainer's own loop. Made to check the shard balancer ({@code Trainer.Builder.balanceThreads}) on
 * what users run, since a shard's time also follows what its samples hold.
 *
 * <p>Usage: {@code java -cp benchmarks/target/kiln-benchmarks.jar dev.kiln.benchmarks.FitEpochs lenet5 2 true 4}:
 * the net, the threads, whether to balance them, the epochs (Adam lr 1e-3, batch 64, seed 1, one {@code fit} call
 * of that many epochs, each shuffled in its own order as a user's run is; the first includes the JIT's warm-up).
 * Prints each epoch's seconds as the trainer reports them ({@link EpochResult#seconds}) and the accuracy on the test
 * set; a fifth argument names a JSON file that receives them too ({@code benchmarks/run.sh} reads it for the
 * README's one-epoch target).
 * Run JVMs of both settings in turn: one JVM's figures say as much about where its arrays lie as about the setting.
 */
public final class FitEpochs {
  private FitEpochs() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4 && args.length != 5) {
      throw new IllegalArgumentException("usage: FitEpochs NET THREADS BALANCE EPOCHS [JSON]");
    }
    String net = args[0];
    int threads = Integer.parseInt(args[1]);
    boolean balance = Boolean.parseBoolean(args[2]);
    int epochs = Integer.parseInt(args[3]);
    FashionMnist data = FashionMnist.load(FashionMnist.SYSTEM_DIR);
    Model model = Nets.kiln(net);
    List<Double> seconds = new ArrayList<>();
    StringBuilder line = new StringBuilder(
        String.format(Locale.ROOT, "%s, %d threads, balance %s, epochs (s):", net, threads, balance));
    try (Trainer trainer = Trainer.builder(model)
        .loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), 1e-3))
        .epochs(epochs).batchSize(64).seed(1)
        .threads(threads)
        .balanceThreads(balance)
        .listener(new TrainingListener() {
          @Override
          public void onEpochEnd(EpochResult result) {
            line.append(String.format(Locale.ROOT, " %.3f", result.seconds()));
            seconds.add(result.seconds());
          }
        })
        .build()) {
      trainer.fit(data.train());
      double accuracy = trainer.evaluate(data.test()).accuracy();
      line.append(String.format(Locale.ROOT, "; test accuracy %.4f", accuracy));
      if (args.length == 5) {
        StringBuilder json = new StringBuilder(String.format(Locale.ROOT,
            "{\"net\": \"%s\", \"threads\": %d, \"balance\": %s, \"images\": %d, \"batch\": 64, \"accuracy\": %.4f, "
                + "\"seconds\": [", net, threads, balance, data.train().size(), accuracy));
        for (int i = 0; i < seconds.size(); i++) {
          json.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", seconds.get(i)));
        }
        Files.writeString(Path.of(args[4]), json.append("]}\n").toString());
      }
    }
    System.out.println(line);
  }
}
