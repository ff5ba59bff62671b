package dev.kiln.processor.model;

/**
 * The shape of one sample between layers: {@code channels x height x width} for images (rank 3), or {@code channels}
 * features (rank 1, height and width 1).
 */
public record TensorShape(int channels, int height, int width, int rank) {
  public TensorShape {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException("non-positive dimension in " + channels + "x" + height + "x" + width);
    }
    if (rank != 1 && rank != 3) {
      throw new IllegalArgumentException("rank must be 1 or 3: " + rank);
    }
    if (rank == 1 && (height != 1 || width != 1)) {
      throw new IllegalArgumentException("a vector has height and width 1");
    }
  }

  public static TensorShape image(int channels, int height, int width) {
    return new TensorShape(channels, height, width, 3);
  }

  public static TensorShape vector(int features) {
    return new TensorShape(features, 1, 1, 1);
  }

  public boolean isImage() {
    return rank == 3;
  }

  /** Values per sample. */
  public int size() {
    return Math.multiplyExact(Math.multiplyExact(channels, height), width);
  }

  /** The same values seen as a vector, as {@code torch.flatten(x, 1)}. */
  public TensorShape flattened() {
    return vector(size());
  }

  /** The dimensions, for the runtime's {@code Shape.of(...)}. */
  public int[] dims() {
    return isImage() ? new int[] {channels, height, width} : new int[] {channels};
  }

  @Override
  public String toString() {
    return isImage() ? channels + "x" + height + "x" + width : Integer.toString(channels);
  }
}
