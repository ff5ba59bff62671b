package dev.kiln.runtime.train;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.data.BatchIterator;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.loss.ClassLoss;
import dev.kiln.runtime.loss.Loss;
import dev.kiln.runtime.metrics.ConfusionMatrix;

/**
 * A model's performance on a data set, measured in inference mode (running statistics, no dropout): the mean loss
 * if a loss was given, and for classification the accuracy and the {@link ConfusionMatrix} of arg-max predictions.
 * The model's mode is restored afterwards.
 */
public final class Evaluation {
  private final int samples;
  private final double loss;
  private final ConfusionMatrix confusion;

  Evaluation(int samples, double loss, ConfusionMatrix confusion) {
    this.samples = samples;
    this.loss = loss;
    this.confusion = confusion;
  }

  /** Accuracy and confusion matrix of {@code model} on {@code data}, in batches of 256. */
  public static Evaluation evaluate(Model model, Dataset data) {
    return evaluate(model, data, 256, null);
  }

  /** Accuracy and confusion matrix of {@code model} on {@code data}, in batches of {@code batchSize}. */
  public static Evaluation evaluate(Model model, Dataset data, int batchSize) {
    return evaluate(model, data, batchSize, null);
  }

  /**
   * Accuracy, confusion matrix and mean loss.
   *
   * @param loss the loss to average, or null; a {@link ClassLoss} takes the labels, any other loss the data set's
   *     targets or, for a labelled set, one-hot rows
   */
  public static Evaluation evaluate(Model model, Dataset data, int batchSize, Loss loss) {
    Trainer.checkData(model, data, "evaluation");
    BatchEngine engine = new BatchEngine(model, Math.min(batchSize, data.size()), null, false, false);
    boolean useLabels = Trainer.usesLabels(loss, data);
    BatchIterator it = Trainer.batches(model, data, engine.capacity(), loss, useLabels);
    return engine.evaluate(it, data, loss, useLabels);
  }

  /** Samples evaluated. */
  public int samples() {
    return samples;
  }

  /** The mean loss, or NaN when no loss was given. */
  public double loss() {
    return loss;
  }

  /** The fraction of samples whose arg-max is their label; NaN without labels or for single-output models. */
  public double accuracy() {
    return confusion == null ? Double.NaN : confusion.accuracy();
  }

  /** The 0-1 loss, {@code 1 - accuracy()}. */
  public double errorRate() {
    return 1 - accuracy();
  }

  /** Counts of (label, prediction), or null without labels or for single-output models. */
  public ConfusionMatrix confusion() {
    return confusion;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append(samples).append(" samples");
    if (!Double.isNaN(loss)) {
      sb.append(String.format(", loss %.4f", loss));
    }
    if (confusion != null) {
      sb.append(String.format(", accuracy %.2f%%", 100 * accuracy()));
    }
    return sb.toString();
  }
}
