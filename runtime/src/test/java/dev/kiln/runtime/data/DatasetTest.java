package dev.kiln.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Shape;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetTest {
  /** Sample i has features {i, 10 i} and label i % 3. */
  static Dataset numbered(int n) {
    float[] f = new float[n * 2];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      f[2 * i] = i;
      f[2 * i + 1] = 10 * i;
      y[i] = i % 3;
    }
    return Dataset.classification(f, Shape.of(2), y);
  }

  @Test
  void basics() {
    Dataset d = numbered(7);
    assertThat(d.size()).isEqualTo(7);
    assertThat(d.sampleSize()).isEqualTo(2);
    assertThat(d.numClasses()).isEqualTo(3);
    assertThat(d.sample(4)).isEqualTo(new float[] {4, 40});
    assertThat(d.label(5)).isEqualTo(2);
    assertThat(d.classCounts()).isEqualTo(new int[] {3, 2, 2});
    assertThat(d.toString()).isEqualTo("Dataset(7 x 2, 3 classes)");
  }

  @Test
  void rejectsInconsistentArrays() {
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.classification(new float[5], Shape.of(2), new int[2]));
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.classification(new float[4], Shape.of(2), new int[3]));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Dataset.classification(new float[4], Shape.of(2), new int[] {0, 5}, 3));
    assertThat(e).hasMessageThat().contains("label 5 of sample 1");
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.classification(new float[2], Shape.of(2), new int[] {-1}));
    assertThrows(IllegalArgumentException.class, () -> Dataset.regression(new float[4], Shape.of(2), new float[3], 1));
    assertThrows(IllegalArgumentException.class, () -> numbered(3).withClassNames(List.of("a", "b")));
  }

  @Test
  void subsetCopiesInGivenOrderAndKeepsClassCount() {
    Dataset d = numbered(6).withClassNames(List.of("a", "b", "c"));
    Dataset s = d.subset(new int[] {4, 1, 4});
    assertThat(s.features()).isEqualTo(new float[] {4, 40, 1, 10, 4, 40});
    assertThat(s.labels()).isEqualTo(new int[] {1, 1, 1});
    assertThat(s.numClasses()).isEqualTo(3); // class 0 and 2 absent, still 3 outputs
    assertThat(s.classNames()).containsExactly("a", "b", "c").inOrder();
    s.features()[0] = -1;
    assertThat(d.features()[8]).isEqualTo(4f);
    assertThat(d.range(2, 4).features()).isEqualTo(new float[] {2, 20, 3, 30});
    assertThat(d.head(100).size()).isEqualTo(6);
  }

  @Test
  void orderedSplit() {
    Dataset.Split s = numbered(10).split(0.8);
    assertThat(s.train().size()).isEqualTo(8);
    assertThat(s.holdout().size()).isEqualTo(2);
    assertThat(s.holdout().sample(0)).isEqualTo(new float[] {8, 80});
    assertThrows(IllegalArgumentException.class, () -> numbered(10).split(1.0));
    assertThrows(IllegalArgumentException.class, () -> numbered(2).split(0.1));
  }

  @Test
  void shuffledSplitIsSeededAndPartitions() {
    Dataset d = numbered(20);
    Dataset.Split a = d.split(0.75, 3);
    Dataset.Split b = d.split(0.75, 3);
    Dataset.Split c = d.split(0.75, 4);
    assertThat(a.train().features()).isEqualTo(b.train().features());
    assertThat(a.train().features()).isNotEqualTo(c.train().features());
    float[] firsts = new float[20];
    int k = 0;
    for (Dataset part : List.of(a.train(), a.holdout())) {
      for (int i = 0; i < part.size(); i++) {
        firsts[k++] = part.sample(i)[0];
        assertThat(part.sample(i)[1]).isEqualTo(10 * part.sample(i)[0]); // rows stay whole
        assertThat(part.label(i)).isEqualTo((int) part.sample(i)[0] % 3); // labels travel with rows
      }
    }
    Arrays.sort(firsts);
    for (int i = 0; i < 20; i++) {
      assertThat(firsts[i]).isEqualTo((float) i);
    }
  }

  @Test
  void shuffledIsAReproduciblePermutation() {
    Dataset d = numbered(50);
    Dataset s1 = d.shuffled(9);
    assertThat(s1.features()).isEqualTo(d.shuffled(9).features());
    assertThat(s1.features()).isNotEqualTo(d.features());
    int[] p = Dataset.permutation(1000, new Rng(1));
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertThat(sorted[i]).isEqualTo(i);
    }
  }

  @Test
  void regressionSet() {
    Dataset r = Dataset.regression(new float[] {1, 2, 3}, Shape.of(1), new float[] {10, 20, 30, 40, 50, 60}, 2);
    assertThat(r.hasLabels()).isFalse();
    assertThat(r.subset(new int[] {2, 0}).targets()).isEqualTo(new float[] {50, 60, 10, 20});
    assertThrows(IllegalStateException.class, () -> r.label(0));
  }
}
