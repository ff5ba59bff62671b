package dev.kiln.runtime.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Counts of (actual class, predicted class) pairs: row {@code a}, column {@code p} holds how many samples of class
 * {@code a} were predicted as {@code p}. Precision, recall and F1 per class follow from it, as do accuracy and the
 * macro averages.
 *
 * <p>Where a ratio is undefined (precision of a class never predicted, recall of a class absent from the data) it is
 * reported as 0, scikit-learn's {@code zero_division=0}, so averages stay finite; {@link #toString()} shows such
 * cells as {@code -}.
 */
public final class ConfusionMatrix {
  private final int numClasses;
  private final long[] counts;
  private final List<String> names;

  public ConfusionMatrix(int numClasses) {
    this(numClasses, null);
  }

  /** @param classNames one per class, for {@link #toString()}; null for numbers */
  public ConfusionMatrix(int numClasses, List<String> classNames) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be positive: " + numClasses);
    }
    if (classNames != null && classNames.size() != numClasses) {
      throw new IllegalArgumentException(classNames.size() + " names for " + numClasses + " classes");
    }
    this.numClasses = numClasses;
    this.counts = new long[numClasses * numClasses];
    List<String> n = new ArrayList<>();
    for (int i = 0; i < numClasses; i++) {
      n.add(classNames == null ? Integer.toString(i) : classNames.get(i));
    }
    this.names = List.copyOf(n);
  }

  /** Builds the matrix of two label arrays of equal length. */
  public static ConfusionMatrix of(int[] actual, int[] predicted, int numClasses) {
    if (actual.length != predicted.length) {
      throw new IllegalArgumentException(predicted.length + " predictions for " + actual.length + " labels");
    }
    ConfusionMatrix m = new ConfusionMatrix(numClasses);
    m.add(actual, predicted, actual.length);
    return m;
  }

  public int numClasses() {
    return numClasses;
  }

  /** The class names (numbers when none were given). */
  public List<String> classNames() {
    return names;
  }

  /** Counts one sample. */
  public void add(int actual, int predicted) {
    if (actual < 0 || actual >= numClasses || predicted < 0 || predicted >= numClasses) {
      throw new IllegalArgumentException(
          "class pair (" + actual + ", " + predicted + ") outside 0.." + (numClasses - 1));
    }
    counts[actual * numClasses + predicted]++;
  }

  /** Counts the first {@code n} samples. */
  public void add(int[] actual, int[] predicted, int n) {
    for (int i = 0; i < n; i++) {
      add(actual[i], predicted[i]);
    }
  }

  /** Adds every count of {@code other} (same class count) to this one, for merging per-thread matrices. */
  public void addAll(ConfusionMatrix other) {
    if (other.numClasses != numClasses) {
      throw new IllegalArgumentException(other.numClasses + " classes merged into " + numClasses);
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
  }

  /** Sets every count to zero. */
  public void clear() {
    Arrays.fill(counts, 0);
  }

  /** Samples of class {@code actual} predicted as {@code predicted}. */
  public long count(int actual, int predicted) {
    return counts[actual * numClasses + predicted];
  }

  /** All samples counted. */
  public long total() {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }

  /** Samples on the diagonal. */
  public long correct() {
    long c = 0;
    for (int i = 0; i < numClasses; i++) {
      c += count(i, i);
    }
    return c;
  }

  /** The fraction of samples on the diagonal; NaN when empty. */
  public double accuracy() {
    long t = total();
    return t == 0 ? Double.NaN : (double) correct() / t;
  }

  /** The 0-1 loss, {@code 1 - accuracy()}. */
  public double errorRate() {
    return 1 - accuracy();
  }

  /** Samples whose actual class is {@code c} (row sum). */
  public long support(int c) {
    long s = 0;
    for (int p = 0; p < numClasses; p++) {
      s += count(c, p);
    }
    return s;
  }

  /** Samples predicted as {@code c} (column sum). */
  public long predicted(int c) {
    long s = 0;
    for (int a = 0; a < numClasses; a++) {
      s += count(a, c);
    }
    return s;
  }

  /** Of the samples predicted as {@code c}, the fraction really of {@code c}; 0 when none were predicted. */
  public double precision(int c) {
    long p = predicted(c);
    return p == 0 ? 0 : (double) count(c, c) / p;
  }

  /** Of the samples of class {@code c}, the fraction predicted as {@code c}; 0 when there are none. */
  public double recall(int c) {
    long s = support(c);
    return s == 0 ? 0 : (double) count(c, c) / s;
  }

  /** The harmonic mean of precision and recall; 0 when both are 0. */
  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  /** Precision averaged over classes with equal weight. */
  public double macroPrecision() {
    double s = 0;
    for (int c = 0; c < numClasses; c++) {
      s += precision(c);
    }
    return s / numClasses;
  }

  /** Recall averaged over classes with equal weight (balanced accuracy). */
  public double macroRecall() {
    double s = 0;
    for (int c = 0; c < numClasses; c++) {
      s += recall(c);
    }
    return s / numClasses;
  }

  public double macroF1() {
    double s = 0;
    for (int c = 0; c < numClasses; c++) {
      s += f1(c);
    }
    return s / numClasses;
  }

  /**
   * The matrix as a table, actual classes down and predicted across, with each row's recall at its end and each
   * column's precision below it, then the accuracy:
   *
   * <pre>
   * actual \ predicted     0     1  recall
   *                 0      5     1   83.3%
   *                 1      2     4   66.7%
   *         precision  71.4% 80.0%
   * accuracy 75.0% (9/12)
   * </pre>
   */
  @Override
  public String toString() {
    int nameWidth = "actual \\ predicted".length();
    for (String n : names) {
      nameWidth = Math.max(nameWidth, n.length());
    }
    int cell = 6;
    for (long c : counts) {
      cell = Math.max(cell, Long.toString(c).length());
    }
    for (String n : names) {
      cell = Math.max(cell, Math.min(n.length(), 12));
    }
    cell += 1;
    StringBuilder sb = new StringBuilder();
    sb.append(pad("actual \\ predicted", nameWidth, true));
    for (String n : names) {
      sb.append(pad(n.length() > cell - 1 ? n.substring(0, cell - 1) : n, cell, true));
    }
    sb.append(pad("recall", 8, true)).append('\n');
    for (int a = 0; a < numClasses; a++) {
      sb.append(pad(names.get(a), nameWidth, true));
      for (int p = 0; p < numClasses; p++) {
        sb.append(pad(Long.toString(count(a, p)), cell, true));
      }
      sb.append(pad(support(a) == 0 ? "-" : percent(recall(a)), 8, true)).append('\n');
    }
    sb.append(pad("precision", nameWidth, true));
    for (int p = 0; p < numClasses; p++) {
      sb.append(pad(predicted(p) == 0 ? "-" : percent(precision(p)), cell, true));
    }
    sb.append('\n');
    sb.append("accuracy ").append(total() == 0 ? "-" : percent(accuracy()))
        .append(" (").append(correct()).append('/').append(total()).append(')');
    return sb.toString();
  }

  /** Per-class precision, recall, F1 and support, then the macro averages: a classification report. */
  public String report() {
    int nameWidth = 9;
    for (String n : names) {
      nameWidth = Math.max(nameWidth, n.length());
    }
    String fmt = "%" + nameWidth + "s %10s %10s %10s %10s%n";
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(fmt, "class", "precision", "recall", "f1", "support"));
    for (int c = 0; c < numClasses; c++) {
      sb.append(String.format(fmt, names.get(c), String.format("%.4f", precision(c)),
          String.format("%.4f", recall(c)), String.format("%.4f", f1(c)), support(c)));
    }
    sb.append(String.format(fmt, "macro avg", String.format("%.4f", macroPrecision()),
        String.format("%.4f", macroRecall()), String.format("%.4f", macroF1()), total()));
    sb.append(String.format("%" + nameWidth + "s %10s%n", "accuracy",
        total() == 0 ? "-" : String.format("%.4f", accuracy())));
    return sb.toString();
  }

  private static String percent(double v) {
    return String.format("%.1f%%", 100 * v);
  }

  private static String pad(String s, int width, boolean right) {
    if (s.length() >= width) {
      return s;
    }
    String spaces = " ".repeat(width - s.length());
    return right ? spaces + s : s + spaces;
  }
}
