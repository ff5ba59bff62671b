package dev.kiln.runtime.data;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Shape;
import org.junit.jupiter.api.Test;

class ScalerTest {
  /** Feature 0 ranges 0..10, feature 1 is constant 5, feature 2 is -1 or 3. */
  private static final Dataset TRAIN = Dataset.classification(
      new float[] {0, 5, -1, 10, 5, 3, 5, 5, -1, 2, 5, 3}, Shape.of(3), new int[] {0, 1, 0, 1});
  private static final Dataset TEST = Dataset.classification(
      new float[] {20, 5, 1, -10, 6, 3}, Shape.of(3), new int[] {1, 0});

  @Test
  void minMaxFitsOnTrainAndAppliesTheSameMapToTest() {
    float[] before = TEST.features().clone();
    MinMaxScaler s = MinMaxScaler.fit(TRAIN);
    assertThat(s.min()).isEqualTo(new float[] {0, 5, -1});
    assertThat(s.max()).isEqualTo(new float[] {10, 5, 3});
    Dataset train = s.transform(TRAIN);
    assertThat(train.features()).isEqualTo(new float[] {0, 0, 0, 1, 0, 1, 0.5f, 0, 0, 0.2f, 0, 1});
    Dataset test = s.transform(TEST);
    // Training statistics, unchanged: values outside the training range land outside [0, 1], unclipped.
    assertThat(test.features()).isEqualTo(new float[] {2, 0, 0.5f, -1, 0, 1});
    assertThat(test.labels()).isEqualTo(TEST.labels());
    assertThat(TEST.features()).isEqualTo(before); // the input set is untouched
    assertThat(s.min()).isEqualTo(new float[] {0, 5, -1}); // transforming did not refit
  }

  @Test
  void minMaxToAnotherRangeAndBack() {
    MinMaxScaler s = MinMaxScaler.fit(TRAIN, -1, 1);
    float[] f = TEST.features().clone();
    s.transformInPlace(f, 2);
    assertThat(f[0]).isEqualTo(3f);
    assertThat(f[2]).isEqualTo(0f);
    assertThat(f[1]).isEqualTo(-1f); // constant feature maps to low
    s.inverseTransformInPlace(f, 2);
    assertThat(f[0]).isWithin(1e-5f).of(20);
    assertThat(f[2]).isWithin(1e-5f).of(1);
  }

  @Test
  void standardFitsOnTrainAndAppliesTheSameMapToTest() {
    StandardScaler s = StandardScaler.fit(TRAIN);
    assertThat(s.mean()).isEqualTo(new float[] {4.25f, 5, 1});
    float std0 = (float) Math.sqrt((4.25 * 4.25 + 5.75 * 5.75 + 0.75 * 0.75 + 2.25 * 2.25) / 4);
    assertThat(s.std()[0]).isWithin(1e-6f).of(std0);
    assertThat(s.std()[1]).isEqualTo(0f);
    assertThat(s.std()[2]).isEqualTo(2f);
    Dataset train = s.transform(TRAIN);
    for (int j = 0; j < 3; j++) {
      double mean = 0;
      double sq = 0;
      for (int i = 0; i < 4; i++) {
        mean += train.features()[i * 3 + j] / 4.0;
      }
      for (int i = 0; i < 4; i++) {
        double d = train.features()[i * 3 + j] - mean;
        sq += d * d / 4;
      }
      assertThat(mean).isWithin(1e-6).of(0);
      assertThat(Math.sqrt(sq)).isWithin(1e-6).of(j == 1 ? 0 : 1); // a constant feature stays constant, not NaN
    }
    Dataset test = s.transform(TEST);
    assertThat(test.features()[0]).isWithin(1e-5f).of((20 - 4.25f) / std0);
    assertThat(test.features()[1]).isEqualTo(0f);
    assertThat(test.features()[2]).isEqualTo(0f);
    assertThat(test.features()[4]).isEqualTo(1f); // x - mean for the constant feature
    assertThat(test.features()[5]).isEqualTo(1f);
    float[] back = test.features().clone();
    s.inverseTransformInPlace(back, 2);
    for (int i = 0; i < back.length; i++) {
      assertThat(back[i]).isWithin(1e-5f).of(TEST.features()[i]);
    }
  }

  @Test
  void standardIsStableForLargeOffsets() {
    float[] f = {1e6f + 1, 1e6f - 1, 1e6f + 1, 1e6f - 1};
    StandardScaler s = StandardScaler.fit(f, 4, 1);
    assertThat(s.std()[0]).isWithin(1e-6f).of(1f);
  }

  @Test
  void widthMismatchAndEmptyFitAreRejected() {
    MinMaxScaler s = MinMaxScaler.fit(TRAIN);
    Dataset other = Dataset.classification(new float[] {1, 2}, Shape.of(2), new int[] {0});
    assertThrows(IllegalArgumentException.class, () -> s.transform(other));
    assertThrows(IllegalArgumentException.class, () -> StandardScaler.fit(new float[0], 0, 3));
    assertThrows(IllegalArgumentException.class, () -> MinMaxScaler.fit(TRAIN, 1, 1));
  }
}
