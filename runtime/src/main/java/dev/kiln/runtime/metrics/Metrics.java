package dev.kiln.runtime.metrics;

/**
 * Classification metrics over arrays of predicted and actual labels. Accuracy and 0-1 loss are fractions of the
 * samples counted; per-class precision and recall are on {@link ConfusionMatrix}.
 */
public final class Metrics {
  private Metrics() {}

  /** The fraction of the first {@code n} samples predicted correctly. */
  public static double accuracy(int[] predicted, int[] actual, int n) {
    return n == 0 ? Double.NaN : (double) correct(predicted, actual, n) / n;
  }

  /** The fraction of samples predicted correctly; the arrays must have the same length. */
  public static double accuracy(int[] predicted, int[] actual) {
    checkLengths(predicted, actual);
    return accuracy(predicted, actual, actual.length);
  }

  /** The 0-1 loss: the fraction of samples predicted wrongly, {@code 1 - accuracy}. */
  public static double zeroOneLoss(int[] predicted, int[] actual) {
    checkLengths(predicted, actual);
    return actual.length == 0 ? Double.NaN : (double) (actual.length - correct(predicted, actual, actual.length))
        / actual.length;
  }

  /** How many of the first {@code n} samples are predicted correctly. */
  public static int correct(int[] predicted, int[] actual, int n) {
    int c = 0;
    for (int i = 0; i < n; i++) {
      if (predicted[i] == actual[i]) {
        c++;
      }
    }
    return c;
  }

  /**
   * The index of the largest of {@code width} scores starting at {@code offset}; the first one on ties; NaN scores
   * are ignored (a row of NaNs predicts class 0).
   */
  public static int argmax(float[] scores, int offset, int width) {
    int best = 0;
    float max = scores[offset];
    for (int j = 1; j < width; j++) {
      float v = scores[offset + j];
      // A NaN score never wins (a NaN comparison is false), and any number beats a leading NaN.
      if (v > max || (Float.isNaN(max) && !Float.isNaN(v))) {
        max = v;
        best = j;
      }
    }
    return best;
  }

  /**
   * Writes into {@code out} the arg-max class of each of {@code batch} rows of {@code width} scores (logits or
   * probabilities: the arg-max is the same).
   */
  public static void argmax(float[] scores, int batch, int width, int[] out) {
    for (int b = 0; b < batch; b++) {
      out[b] = argmax(scores, b * width, width);
    }
  }

  /** How many of {@code batch} rows of scores have their arg-max at the row's label. */
  public static int correctArgmax(float[] scores, int batch, int width, int[] labels) {
    int c = 0;
    for (int b = 0; b < batch; b++) {
      if (argmax(scores, b * width, width) == labels[b]) {
        c++;
      }
    }
    return c;
  }

  private static void checkLengths(int[] predicted, int[] actual) {
    if (predicted.length != actual.length) {
      throw new IllegalArgumentException(
          predicted.length + " predictions for " + actual.length + " labels");
    }
  }
}
