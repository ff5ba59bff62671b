package dev.kiln.runtime.data;

/**
 * Standardises each feature to zero mean and unit variance over the training data: {@code (x - mean) / std}, with
 * the population standard deviation (as scikit-learn's {@code StandardScaler}). A feature constant in training keeps
 * only its shift ({@code x - mean}), since dividing by zero would turn it into NaN.
 */
public final class StandardScaler implements FeatureScaler {
  private final float[] mean;
  private final float[] std;

  private StandardScaler(float[] mean, float[] std) {
    this.mean = mean;
    this.std = std;
  }

  /** Fits on {@code train}. */
  public static StandardScaler fit(Dataset train) {
    return fit(train.features(), train.size(), train.sampleSize());
  }

  /** Fits on {@code count} samples of {@code width} features. */
  public static StandardScaler fit(float[] features, int count, int width) {
    if (count < 1) {
      throw new IllegalArgumentException("cannot fit on zero samples");
    }
    // Two passes in double: one-pass sums of squares lose the variance of large-offset features to cancellation.
    double[] sum = new double[width];
    for (int s = 0; s < count; s++) {
      int o = s * width;
      for (int j = 0; j < width; j++) {
        sum[j] += features[o + j];
      }
    }
    double[] m = new double[width];
    for (int j = 0; j < width; j++) {
      m[j] = sum[j] / count;
    }
    double[] sq = new double[width];
    for (int s = 0; s < count; s++) {
      int o = s * width;
      for (int j = 0; j < width; j++) {
        double d = features[o + j] - m[j];
        sq[j] += d * d;
      }
    }
    float[] mean = new float[width];
    float[] std = new float[width];
    for (int j = 0; j < width; j++) {
      mean[j] = (float) m[j];
      std[j] = (float) Math.sqrt(sq[j] / count);
    }
    return new StandardScaler(mean, std);
  }

  @Override
  public int width() {
    return mean.length;
  }

  /** The per-feature training means (a copy). */
  public float[] mean() {
    return mean.clone();
  }

  /** The per-feature training standard deviations (a copy). */
  public float[] std() {
    return std.clone();
  }

  @Override
  public void transformInPlace(float[] features, int count) {
    int w = mean.length;
    for (int s = 0; s < count; s++) {
      int o = s * w;
      for (int j = 0; j < w; j++) {
        float d = features[o + j] - mean[j];
        features[o + j] = std[j] > 0 ? d / std[j] : d;
      }
    }
  }

  @Override
  public void inverseTransformInPlace(float[] features, int count) {
    int w = mean.length;
    for (int s = 0; s < count; s++) {
      int o = s * w;
      for (int j = 0; j < w; j++) {
        float v = features[o + j];
        features[o + j] = (std[j] > 0 ? v * std[j] : v) + mean[j];
      }
    }
  }
}
