package dev.kiln.samples;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;

/**
 * The README's training loop of one's own, runnable: labelled images arrive 64 at a time (here drawn from the shipped
 * training subset in a random order, standing in for feedback a server collects), and the generated MLP learns from
 * each batch as it comes with {@link Trainer#step}, in arrays made once and refilled in place. Prints the mean loss
 * every 100 steps and the test accuracy at the end. Usage: {@code OnlineTraining [STEPS] [THREADS]} (default 600
 * steps, about four passes over the subset, on 2 threads).
 */
public final class OnlineTraining {
  private OnlineTraining() {}

  /** Labelled images as they arrive: {@code next} refills the caller's arrays with the next batch, if there is one. */
  static final class Feedback {
    private final Dataset source;
    private final Rng rng;
    private int left;

    Feedback(Dataset source, int batches, long seed) {
      this.source = source;
      this.rng = new Rng(seed);
      this.left = batches;
    }

    boolean next(float[] images, int[] labels) {
      if (left == 0) {
        return false;
      }
      left--;
      int width = source.sampleSize();
      for (int i = 0; i < labels.length; i++) {
        int sample = rng.nextInt(source.size());
        source.copySample(sample, images, i * width);
        labels[i] = source.label(sample);
      }
      return true;
    }
  }

  public static void main(String[] args) throws IOException {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 600;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    double accuracy = run(steps, threads, System.out);
    System.out.printf("test accuracy %.4f after %d steps of 64 images%n", accuracy, steps);
  }

  /** Trains a fresh MLP for {@code steps} batches of feedback; returns its accuracy on the 10,000 test images. */
  static double run(int steps, int threads, PrintStream log) throws IOException {
    Model model = new Kiln_Mlp();
    Feedback feedback = new Feedback(FashionData.shipped().train(), steps, 1);
    Progress progress = new Progress(log);
    float[] images = new float[64 * 784];
    int[] labels = new int[64];
    Batch batch = Batch.ofLabels(model.inputShape(), images, labels);   // Batch.ofTargets for float targets
    try (Trainer trainer = Trainer.builder(model).loss(new SoftmaxCrossEntropy())
        .optimizer(new Adam(model.parameters(), 1e-3)).threads(threads).build()) {
      while (feedback.next(images, labels)) {     // refill the arrays in place
        double loss = trainer.step(batch);
        progress.add(loss);
      }
      model.eval();
      return trainer.evaluate(FashionData.shippedTest()).accuracy();
    }
  }

  /** The mean loss of every 100 steps. */
  private static final class Progress {
    private final PrintStream log;
    private double sum;
    private int count;
    private int steps;

    Progress(PrintStream log) {
      this.log = log;
    }

    void add(double loss) {
      sum += loss;
      count++;
      steps++;
      if (count == 100) {
        log.printf("steps %4d  mean loss %.4f%n", steps, sum / count);
        sum = 0;
        count = 0;
      }
    }
  }
}
