package dev.kiln.runtime.data;

/**
 * A per-feature affine rescaling whose statistics are fitted once, on training data, and then applied unchanged to
 * every other set. Fitting on the test set (or on train and test together) leaks test information into training and
 * makes reported accuracy optimistic; the API makes the right order the easy one: {@code fit} is a static factory on
 * the implementations and a fitted scaler has no way to refit.
 *
 * <p>Each of a sample's {@code shape().size()} positions is its own feature (for an image, each pixel).
 */
public interface FeatureScaler {
  /** Features per sample this scaler was fitted on. */
  int width();

  /** Rescales {@code count} samples of {@code features} (batch-major) in place. */
  void transformInPlace(float[] features, int count);

  /** Undoes {@link #transformInPlace} on {@code count} samples in place. */
  void inverseTransformInPlace(float[] features, int count);

  /** A new data set with rescaled features; labels and targets are shared, {@code data} is unchanged. */
  default Dataset transform(Dataset data) {
    if (data.sampleSize() != width()) {
      throw new IllegalArgumentException(
          "scaler fitted on " + width() + " features per sample, data set has " + data.sampleSize());
    }
    float[] f = data.features().clone();
    transformInPlace(f, data.size());
    return data.withFeatures(f);
  }
}
