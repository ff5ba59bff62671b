package dev.kiln.runtime.data;

/**
 * Maps each feature linearly so that its training minimum becomes {@code low} and its training maximum {@code high}
 * (by default [0, 1]). Test values outside the training range map outside [low, high]: they are not clipped, since
 * clipping would hide that the test data differs. A feature constant in training maps to {@code low}.
 */
public final class MinMaxScaler implements FeatureScaler {
  private final float[] min;
  private final float[] max;
  private final float low;
  private final float high;

  private MinMaxScaler(float[] min, float[] max, float low, float high) {
    this.min = min;
    this.max = max;
    this.low = low;
    this.high = high;
  }

  /** Fits to [0, 1] on {@code train}. */
  public static MinMaxScaler fit(Dataset train) {
    return fit(train, 0f, 1f);
  }

  /** Fits to [low, high] on {@code train}. */
  public static MinMaxScaler fit(Dataset train, float low, float high) {
    return fit(train.features(), train.size(), train.sampleSize(), low, high);
  }

  /** Fits to [low, high] on {@code count} samples of {@code width} features. */
  public static MinMaxScaler fit(float[] features, int count, int width, float low, float high) {
    if (count < 1) {
      throw new IllegalArgumentException("cannot fit on zero samples");
    }
    if (!(low < high)) {
      throw new IllegalArgumentException("low must be below high: " + low + ", " + high);
    }
    float[] min = new float[width];
    float[] max = new float[width];
    System.arraycopy(features, 0, min, 0, width);
    System.arraycopy(features, 0, max, 0, width);
    for (int s = 1; s < count; s++) {
      int o = s * width;
      for (int j = 0; j < width; j++) {
        float v = features[o + j];
        if (v < min[j]) {
          min[j] = v;
        }
        if (v > max[j]) {
          max[j] = v;
        }
      }
    }
    return new MinMaxScaler(min, max, low, high);
  }

  @Override
  public int width() {
    return min.length;
  }

  /** The per-feature training minima (a copy). */
  public float[] min() {
    return min.clone();
  }

  /** The per-feature training maxima (a copy). */
  public float[] max() {
    return max.clone();
  }

  @Override
  public void transformInPlace(float[] features, int count) {
    int w = min.length;
    for (int s = 0; s < count; s++) {
      int o = s * w;
      for (int j = 0; j < w; j++) {
        float range = max[j] - min[j];
        features[o + j] = range > 0 ? low + (features[o + j] - min[j]) / range * (high - low) : low;
      }
    }
  }

  @Override
  public void inverseTransformInPlace(float[] features, int count) {
    int w = min.length;
    for (int s = 0; s < count; s++) {
      int o = s * w;
      for (int j = 0; j < w; j++) {
        float range = max[j] - min[j];
        features[o + j] = min[j] + (features[o + j] - low) / (high - low) * range;
      }
    }
  }
}
