package dev.kiln.runtime.metrics;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static final int[] ACTUAL = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
  private static final int[] PREDICTED = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};

  @Test
  void accuracyAndZeroOneLoss() {
    assertThat(Metrics.accuracy(PREDICTED, ACTUAL)).isWithin(1e-12).of(0.6);
    assertThat(Metrics.zeroOneLoss(PREDICTED, ACTUAL)).isWithin(1e-12).of(0.4);
    assertThat(Metrics.correct(PREDICTED, ACTUAL, 4)).isEqualTo(2);
    assertThat(Metrics.accuracy(PREDICTED, ACTUAL, 2)).isEqualTo(1.0);
    assertThat(Metrics.accuracy(new int[0], new int[0])).isNaN();
    assertThrows(IllegalArgumentException.class, () -> Metrics.accuracy(new int[2], new int[3]));
  }

  @Test
  void argmax() {
    float[] scores = {0.1f, 0.7f, 0.2f, 5, -1, 5, Float.NaN, 1, 0};
    int[] out = new int[3];
    Metrics.argmax(scores, 3, 3, out);
    assertThat(out).isEqualTo(new int[] {1, 0, 1}); // ties take the first; NaN never wins
    assertThat(Metrics.correctArgmax(scores, 3, 3, new int[] {1, 2, 1})).isEqualTo(2);
  }

  @Test
  void confusionCountsAndRatios() {
    ConfusionMatrix m = ConfusionMatrix.of(ACTUAL, PREDICTED, 3);
    assertThat(m.count(0, 0)).isEqualTo(2);
    assertThat(m.count(0, 2)).isEqualTo(1);
    assertThat(m.count(1, 0)).isEqualTo(1);
    assertThat(m.total()).isEqualTo(10);
    assertThat(m.correct()).isEqualTo(6);
    assertThat(m.accuracy()).isWithin(1e-12).of(0.6);
    assertThat(m.errorRate()).isWithin(1e-12).of(0.4);
    // class 0: predicted 3 times (2 right), 4 actual
    assertThat(m.precision(0)).isWithin(1e-12).of(2 / 3.0);
    assertThat(m.recall(0)).isWithin(1e-12).of(0.5);
    // class 1: predicted 4 times (2 right), 3 actual
    assertThat(m.precision(1)).isWithin(1e-12).of(0.5);
    assertThat(m.recall(1)).isWithin(1e-12).of(2 / 3.0);
    // class 2: predicted 3 times (2 right), 3 actual
    assertThat(m.precision(2)).isWithin(1e-12).of(2 / 3.0);
    assertThat(m.recall(2)).isWithin(1e-12).of(2 / 3.0);
    assertThat(m.f1(0)).isWithin(1e-12).of(2 * (2 / 3.0) * 0.5 / (2 / 3.0 + 0.5));
    assertThat(m.macroPrecision()).isWithin(1e-12).of((2 / 3.0 + 0.5 + 2 / 3.0) / 3);
    assertThat(m.macroRecall()).isWithin(1e-12).of((0.5 + 2 / 3.0 + 2 / 3.0) / 3);
    assertThat(m.support(0)).isEqualTo(4);
    assertThat(m.predicted(1)).isEqualTo(4);
  }

  @Test
  void undefinedRatiosAreZero() {
    ConfusionMatrix m = ConfusionMatrix.of(new int[] {0, 0}, new int[] {0, 0}, 3);
    assertThat(m.precision(1)).isEqualTo(0.0); // never predicted
    assertThat(m.recall(2)).isEqualTo(0.0); // never present
    assertThat(m.f1(2)).isEqualTo(0.0);
    assertThat(new ConfusionMatrix(2).accuracy()).isNaN();
  }

  @Test
  void mergeAndValidation() {
    ConfusionMatrix a = ConfusionMatrix.of(new int[] {0, 1}, new int[] {0, 0}, 2);
    ConfusionMatrix b = ConfusionMatrix.of(new int[] {1}, new int[] {1}, 2);
    a.addAll(b);
    assertThat(a.count(1, 1)).isEqualTo(1);
    assertThat(a.total()).isEqualTo(3);
    a.clear();
    assertThat(a.total()).isEqualTo(0);
    assertThrows(IllegalArgumentException.class, () -> a.add(2, 0));
    assertThrows(IllegalArgumentException.class, () -> a.addAll(new ConfusionMatrix(3)));
    assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(2, List.of("x")));
  }

  @Test
  void readableTable() {
    ConfusionMatrix m = new ConfusionMatrix(2, List.of("cat", "dog"));
    m.add(new int[] {0, 0, 0, 1, 1}, new int[] {0, 0, 1, 1, 0}, 5);
    String expected = String.join("\n",
        "actual \\ predicted    cat    dog  recall",
        "               cat      2      1   66.7%",
        "               dog      1      1   50.0%",
        "         precision  66.7%  50.0%",
        "accuracy 60.0% (3/5)");
    assertThat(m.toString()).isEqualTo(expected);
    ConfusionMatrix empty = new ConfusionMatrix(2);
    empty.add(0, 0);
    assertThat(empty.toString()).contains("-"); // class 1: no support, never predicted
    String report = m.report();
    assertThat(report).contains("precision");
    assertThat(report).contains("macro avg");
    assertThat(report).containsMatch("cat +0\\.6667 +0\\.6667 +0\\.6667 +3");
  }
}
