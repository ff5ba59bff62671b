package dev.kiln.runtime.data;

import java.util.Arrays;

/**
 * The contents of one IDX file: its element type, its dimensions and its data, kept as the file's raw big-endian
 * bytes. Keeping bytes rather than converting on read keeps MNIST images at one byte per pixel until the caller
 * chooses the float scaling it wants.
 */
public final class IdxData {
  private final Idx.Type type;
  private final int[] dims;
  private final byte[] data;
  private final int count;

  IdxData(Idx.Type type, int[] dims, byte[] data) {
    this.type = type;
    this.dims = dims.clone();
    this.data = data;
    this.count = data.length / type.bytes();
  }

  public Idx.Type type() {
    return type;
  }

  /** The dimensions, outermost first: {@code [60000, 28, 28]} for MNIST training images. */
  public int[] dims() {
    return dims.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return dims.length;
  }

  public int dim(int i) {
    return dims[i];
  }

  /** Number of elements: the product of the dimensions. */
  public int count() {
    return count;
  }

  /** Element {@code i} (flat, row-major) as a double; unsigned bytes read as 0..255. */
  public double get(int i) {
    int o = i * type.bytes();
    return switch (type) {
      case UBYTE -> data[o] & 0xFF;
      case BYTE -> data[o];
      case SHORT -> (short) ((data[o] << 8) | (data[o + 1] & 0xFF));
      case INT -> intAt(o);
      case FLOAT -> Float.intBitsToFloat(intAt(o));
      case DOUBLE -> Double.longBitsToDouble(((long) intAt(o) << 32) | (intAt(o + 4) & 0xFFFFFFFFL));
    };
  }

  private int intAt(int o) {
    return (data[o] << 24) | ((data[o + 1] & 0xFF) << 16) | ((data[o + 2] & 0xFF) << 8) | (data[o + 3] & 0xFF);
  }

  /**
   * All elements as floats, each divided by {@code divisor}: {@code 255f} turns pixels into [0, 1] exactly as
   * PyTorch's {@code ToTensor} does (a division, not a multiplication by {@code 1 / 255f}, which differs in the last
   * bit for some values).
   */
  public float[] toFloats(float divisor) {
    float[] out = new float[count];
    if (type == Idx.Type.UBYTE) {
      // The common case (images), kept as a tight loop.
      for (int i = 0; i < count; i++) {
        out[i] = (data[i] & 0xFF) / divisor;
      }
    } else {
      for (int i = 0; i < count; i++) {
        out[i] = (float) (get(i) / divisor);
      }
    }
    return out;
  }

  /** All elements as ints; for integral types only. */
  public int[] toInts() {
    if (type == Idx.Type.FLOAT || type == Idx.Type.DOUBLE) {
      throw new IllegalStateException("IDX data of type " + type + " is not integral");
    }
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = (int) get(i);
    }
    return out;
  }

  @Override
  public String toString() {
    return "IdxData(" + type + " " + Arrays.toString(dims) + ")";
  }
}
