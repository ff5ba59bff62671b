package dev.kiln.runtime.data;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An in-memory data set: {@code size()} samples of one {@link Shape}, stored batch-major in a single float array
 * (sample {@code i} occupies {@code [i * sampleSize, (i + 1) * sampleSize)}), so a run of samples is exactly a
 * model's input layout. Each sample has an integer class label, float regression targets, or both.
 *
 * <p>A data set is immutable by convention: the factories take ownership of the arrays passed in (a 60 000-image set
 * is 188 MB, too much to copy defensively) and every operation that reorders or selects samples returns a new data
 * set with copied arrays, leaving this one untouched.
 */
public final class Dataset {
  private final float[] features;
  private final Shape shape;
  private final int sampleSize;
  private final int size;
  private final int[] labels;
  private final int numClasses;
  private final float[] targets;
  private final int targetWidth;
  private final List<String> classNames;

  private Dataset(
      float[] features,
      Shape shape,
      int[] labels,
      int numClasses,
      float[] targets,
      int targetWidth,
      List<String> classNames) {
    this.features = Objects.requireNonNull(features, "features");
    this.shape = Objects.requireNonNull(shape, "shape");
    this.sampleSize = shape.size();
    if (features.length % sampleSize != 0) {
      throw new IllegalArgumentException(
          features.length + " feature values are not a whole number of " + shape + " samples");
    }
    this.size = features.length / sampleSize;
    if (labels == null && targets == null) {
      throw new IllegalArgumentException("a data set needs labels or targets");
    }
    if (labels != null) {
      if (labels.length != size) {
        throw new IllegalArgumentException(labels.length + " labels for " + size + " samples");
      }
      if (numClasses < 1) {
        throw new IllegalArgumentException("numClasses must be positive: " + numClasses);
      }
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] < 0 || labels[i] >= numClasses) {
          throw new IllegalArgumentException(
              "label " + labels[i] + " of sample " + i + " outside 0.." + (numClasses - 1));
        }
      }
    }
    if (targets != null) {
      if (targetWidth < 1 || targets.length != (long) size * targetWidth) {
        throw new IllegalArgumentException(
            targets.length + " target values for " + size + " samples of width " + targetWidth);
      }
    }
    if (classNames != null && classNames.size() != numClasses) {
      throw new IllegalArgumentException(classNames.size() + " class names for " + numClasses + " classes");
    }
    this.labels = labels;
    this.numClasses = labels == null ? 0 : numClasses;
    this.targets = targets;
    this.targetWidth = targets == null ? 0 : targetWidth;
    this.classNames = classNames == null ? null : List.copyOf(classNames);
  }

  /**
   * A classification set whose classes are {@code 0..max(labels)}. Takes ownership of both arrays.
   *
   * @param features batch-major, {@code labels.length * shape.size()} values
   */
  public static Dataset classification(float[] features, Shape shape, int[] labels) {
    int max = -1;
    for (int l : labels) {
      max = Math.max(max, l);
    }
    return new Dataset(features, shape, labels, Math.max(max + 1, 1), null, 0, null);
  }

  /**
   * A classification set with an explicit class count, for when a split or subset may lack the highest class.
   * Takes ownership of both arrays.
   */
  public static Dataset classification(float[] features, Shape shape, int[] labels, int numClasses) {
    return new Dataset(features, shape, labels, numClasses, null, 0, null);
  }

  /**
   * A regression set: each sample has {@code targetWidth} float targets, batch-major. Takes ownership of both
   * arrays.
   */
  public static Dataset regression(float[] features, Shape shape, float[] targets, int targetWidth) {
    return new Dataset(features, shape, null, 0, targets, targetWidth, null);
  }

  /** This set with human-readable class names (one per class), which confusion matrices and reports show. */
  public Dataset withClassNames(List<String> names) {
    if (labels == null) {
      throw new IllegalStateException("a regression set has no classes to name");
    }
    return new Dataset(features, shape, labels, numClasses, targets, targetWidth, names);
  }

  /** The same samples with other features of the same shape; labels, targets and names are shared. */
  Dataset withFeatures(float[] newFeatures) {
    if (newFeatures.length != features.length) {
      throw new IllegalArgumentException(newFeatures.length + " feature values replace " + features.length);
    }
    return new Dataset(newFeatures, shape, labels, numClasses, targets, targetWidth, classNames);
  }

  /** Number of samples. */
  public int size() {
    return size;
  }

  /** The shape of one sample. */
  public Shape shape() {
    return shape;
  }

  /** Values per sample: {@code shape().size()}. */
  public int sampleSize() {
    return sampleSize;
  }

  /** The live feature array, batch-major; do not modify it. */
  public float[] features() {
    return features;
  }

  public boolean hasLabels() {
    return labels != null;
  }

  public boolean hasTargets() {
    return targets != null;
  }

  /** The live label array, or null for a regression set; do not modify it. */
  public int[] labels() {
    return labels;
  }

  /** The class label of sample {@code i}. */
  public int label(int i) {
    if (labels == null) {
      throw new IllegalStateException("this data set has no labels");
    }
    return labels[i];
  }

  /** Number of classes (labels are {@code 0..numClasses-1}); 0 for a regression set. */
  public int numClasses() {
    return numClasses;
  }

  /** The class names, or null when none were given. */
  public List<String> classNames() {
    return classNames;
  }

  /** The live target array ({@code size * targetWidth}, batch-major), or null when the set has none. */
  public float[] targets() {
    return targets;
  }

  /** Targets per sample; 0 when the set has none. */
  public int targetWidth() {
    return targetWidth;
  }

  /** Copies sample {@code i} into {@code dst} at {@code offset}. */
  public void copySample(int i, float[] dst, int offset) {
    Objects.checkIndex(i, size);
    System.arraycopy(features, i * sampleSize, dst, offset, sampleSize);
  }

  /** A fresh copy of sample {@code i}. */
  public float[] sample(int i) {
    float[] out = new float[sampleSize];
    copySample(i, out, 0);
    return out;
  }

  /** How many samples each class has. */
  public int[] classCounts() {
    if (labels == null) {
      throw new IllegalStateException("this data set has no labels");
    }
    int[] counts = new int[numClasses];
    for (int l : labels) {
      counts[l]++;
    }
    return counts;
  }

  /**
   * A new data set of the given samples, in the given order (indices may repeat). The class count and names carry
   * over, so a subset that lacks a class still lines up with the model's outputs.
   */
  public Dataset subset(int[] indices) {
    float[] f = new float[Math.multiplyExact(indices.length, sampleSize)];
    int[] l = labels == null ? null : new int[indices.length];
    float[] t = targets == null ? null : new float[indices.length * targetWidth];
    for (int k = 0; k < indices.length; k++) {
      int i = indices[k];
      Objects.checkIndex(i, size);
      System.arraycopy(features, i * sampleSize, f, k * sampleSize, sampleSize);
      if (l != null) {
        l[k] = labels[i];
      }
      if (t != null) {
        System.arraycopy(targets, i * targetWidth, t, k * targetWidth, targetWidth);
      }
    }
    return new Dataset(f, shape, l, numClasses, t, targetWidth, classNames);
  }

  /** A new data set of samples {@code from} (inclusive) to {@code to} (exclusive). */
  public Dataset range(int from, int to) {
    Objects.checkFromToIndex(from, to, size);
    int[] idx = new int[to - from];
    for (int k = 0; k < idx.length; k++) {
      idx[k] = from + k;
    }
    return subset(idx);
  }

  /** The first {@code n} samples (all of them when {@code n >= size()}). */
  public Dataset head(int n) {
    return range(0, Math.min(n, size));
  }

  /** A copy with the samples in a random order drawn from {@code seed}. */
  public Dataset shuffled(long seed) {
    return subset(permutation(size, new Rng(seed)));
  }

  /** Two sets and the parts of one they came from: {@code train} for fitting, {@code holdout} for testing. */
  public record Split(Dataset train, Dataset holdout) {}

  /**
   * Splits in order: the first {@code round(trainFraction * size)} samples train, the rest are held out. Use it when
   * the order means something (time series, or a file already shuffled).
   */
  public Split split(double trainFraction) {
    int cut = cutPoint(trainFraction);
    return new Split(range(0, cut), range(cut, size));
  }

  /** Splits after a seeded shuffle, so both parts sample the whole set. */
  public Split split(double trainFraction, long seed) {
    int cut = cutPoint(trainFraction);
    int[] order = permutation(size, new Rng(seed));
    return new Split(subset(Arrays.copyOfRange(order, 0, cut)), subset(Arrays.copyOfRange(order, cut, size)));
  }

  private int cutPoint(double trainFraction) {
    if (!(trainFraction > 0 && trainFraction < 1)) {
      throw new IllegalArgumentException("trainFraction must be strictly between 0 and 1: " + trainFraction);
    }
    int cut = (int) Math.round(trainFraction * size);
    if (cut < 1 || cut >= size) {
      throw new IllegalArgumentException(
          "splitting " + size + " samples at " + trainFraction + " leaves one side empty");
    }
    return cut;
  }

  /** Mini-batches of {@code batchSize} samples (the whole set when larger), copied into reusable arrays. */
  public BatchIterator batches(int batchSize) {
    return new BatchIterator(this, batchSize);
  }

  /** {@code 0..n-1} in a uniformly random order (Fisher-Yates). */
  public static int[] permutation(int n, Rng rng) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    shuffle(order, n, rng);
    return order;
  }

  /** Shuffles the first {@code n} entries of {@code a} in place (Fisher-Yates). */
  public static void shuffle(int[] a, int n, Rng rng) {
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Dataset(").append(size).append(" x ").append(shape);
    if (labels != null) {
      sb.append(", ").append(numClasses).append(" classes");
    }
    if (targets != null) {
      sb.append(", ").append(targetWidth).append(" targets");
    }
    return sb.append(')').toString();
  }
}
