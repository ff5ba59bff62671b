package dev.kiln.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {
  @Test
  void orderedEpochCoversEverySampleOnceWithASmallerLastBatch() {
    Dataset d = DatasetTest.numbered(10);
    BatchIterator it = d.batches(3);
    assertThat(it.batchesPerEpoch()).isEqualTo(4);
    List<Integer> sizes = new ArrayList<>();
    List<Float> seen = new ArrayList<>();
    while (it.hasNext()) {
      Batch b = it.next();
      sizes.add(b.size());
      for (int k = 0; k < b.size(); k++) {
        seen.add(b.features()[2 * k]);
        assertThat(b.features()[2 * k + 1]).isEqualTo(10 * b.features()[2 * k]);
        assertThat(b.labels()[k]).isEqualTo((int) b.features()[2 * k] % 3);
        assertThat(b.indices()[k]).isEqualTo((int) b.features()[2 * k]);
      }
    }
    assertThat(sizes).containsExactly(3, 3, 3, 1).inOrder();
    assertThat(seen).containsExactly(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f).inOrder();
    assertThrows(NoSuchElementException.class, it::next);
  }

  @Test
  void shuffledEpochsCoverEverySampleOnceInFreshOrders() {
    Dataset d = DatasetTest.numbered(23);
    for (int batchSize : new int[] {1, 4, 23, 100}) {
      BatchIterator it = d.batches(batchSize);
      Rng rng = new Rng(5);
      List<List<Integer>> orders = new ArrayList<>();
      for (int epoch = 0; epoch < 3; epoch++) {
        it.shuffle(rng);
        List<Integer> order = new ArrayList<>();
        int batches = 0;
        while (it.hasNext()) {
          Batch b = it.next();
          batches++;
          for (int k = 0; k < b.size(); k++) {
            order.add(b.indices()[k]);
            assertThat(b.features()[2 * k]).isEqualTo((float) b.indices()[k]);
          }
        }
        assertThat(batches).isEqualTo(it.batchesPerEpoch());
        List<Integer> sorted = new ArrayList<>(order);
        sorted.sort(null);
        for (int i = 0; i < 23; i++) {
          assertThat(sorted.get(i)).isEqualTo(i); // every sample exactly once
        }
        orders.add(order);
      }
      assertThat(orders.get(0)).isNotEqualTo(orders.get(1));
      // The same seed gives the same sequence of epoch orders.
      BatchIterator again = d.batches(batchSize);
      Rng rng2 = new Rng(5);
      again.shuffle(rng2);
      List<Integer> first = new ArrayList<>();
      while (again.hasNext()) {
        Batch b = again.next();
        for (int k = 0; k < b.size(); k++) {
          first.add(b.indices()[k]);
        }
      }
      assertThat(first).isEqualTo(orders.get(0));
    }
  }

  @Test
  void batchArraysAreReused() {
    BatchIterator it = DatasetTest.numbered(10).batches(4);
    Batch first = it.next();
    float[] features = first.features();
    Batch second = it.next();
    assertThat(second).isSameInstanceAs(first);
    assertThat(second.features()).isSameInstanceAs(features);
    assertThat(first.capacity()).isEqualTo(4);
  }

  @Test
  void batchSizeAboveSetSizeIsTheWholeSet() {
    BatchIterator it = DatasetTest.numbered(5).batches(1000);
    assertThat(it.batchSize()).isEqualTo(5);
    assertThat(it.batchesPerEpoch()).isEqualTo(1);
    assertThat(it.next().size()).isEqualTo(5);
    assertThat(it.hasNext()).isFalse();
  }

  @Test
  void oneHotTargets() {
    Dataset d = Dataset.classification(new float[] {0, 1, 2}, Shape.of(1), new int[] {2, 0, 1}, 3);
    BatchIterator it = d.batches(2).withOneHotTargets(4);
    Batch b = it.next();
    assertThat(b.targetWidth()).isEqualTo(4);
    assertThat(Arrays.copyOf(b.targets(), 8)).isEqualTo(new float[] {0, 0, 1, 0, 1, 0, 0, 0});
    b = it.next();
    assertThat(Arrays.copyOf(b.targets(), 4)).isEqualTo(new float[] {0, 1, 0, 0});
    assertThrows(IllegalArgumentException.class, () -> d.batches(2).withOneHotTargets(2));
  }

  @Test
  void regressionTargetsTravelWithSamples() {
    Dataset r = Dataset.regression(new float[] {1, 2, 3}, Shape.of(1), new float[] {10, 20, 30}, 1);
    BatchIterator it = r.batches(3);
    it.shuffle(new Rng(2));
    Batch b = it.next();
    for (int k = 0; k < 3; k++) {
      assertThat(b.targets()[k]).isEqualTo(10 * b.features()[k]);
    }
    assertThat(b.labels()).isNull();
  }
}
