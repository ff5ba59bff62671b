package dev.kiln.runtime;

import dev.kiln.runtime.init.WeightInit;
import java.util.Arrays;

/**
 * One named tensor of a model: a learnable weight or bias (with a gradient) or a buffer such as a batch norm's
 * running mean (no gradient). Names and shapes are PyTorch's ({@code conv1.weight}, {@code [6, 1, 5, 5]}), and so is
 * the memory layout of {@link #value()}: row-major in that shape, so a PyTorch state_dict copies in unchanged.
 *
 * <p>The arrays are exposed directly because optimizers and weight I/O must touch them without copying; their
 * length never changes. Code that writes {@link #value()} in place calls {@link #markModified()} afterwards.
 */
public final class Parameter {
  /** What a tensor is for: it decides whether it learns and how it starts. */
  public enum Kind {
    WEIGHT,
    BIAS,
    /**
     * Learnable, starts at a constant and is not weight-decayed: a normalisation layer's scale (starts at one), a
     * PReLU's slope.
     */
    SCALE,
    /** Not learned by gradients: running statistics and counters. */
    BUFFER
  }

  private final String name;
  private final int[] shape;
  private final Kind kind;
  private final float[] value;
  private final float[] grad;
  private final int fanIn;
  private final int fanOut;
  private final WeightInit init;
  private final float initialValue;
  /** Bumped by every change made through this class or an optimizer; packed copies compare against it. */
  private volatile int version;

  /**
   * A learnable weight.
   *
   * @param fanIn inputs feeding one output, for the initializer
   * @param fanOut outputs fed by one input, for the initializer
   */
  public static Parameter weight(String name, int[] shape, int fanIn, int fanOut, WeightInit init) {
    return new Parameter(name, shape, Kind.WEIGHT, fanIn, fanOut, init, 0f);
  }

  /** A learnable bias (or shift), starting at zero. */
  public static Parameter bias(String name, int[] shape) {
    return new Parameter(name, shape, Kind.BIAS, 0, 0, null, 0f);
  }

  /** A learnable scale, starting at one. */
  public static Parameter scale(String name, int[] shape) {
    return new Parameter(name, shape, Kind.SCALE, 0, 0, null, 1f);
  }

  /** A learnable scale starting at {@code initialValue}, such as a PReLU's slope (PyTorch starts it at 0.25). */
  public static Parameter scale(String name, int[] shape, float initialValue) {
    return new Parameter(name, shape, Kind.SCALE, 0, 0, null, initialValue);
  }

  /** State that is saved with the weights but not learned by gradients, such as a running mean. */
  public static Parameter buffer(String name, int[] shape, float initialValue) {
    return new Parameter(name, shape, Kind.BUFFER, 0, 0, null, initialValue);
  }

  private Parameter(
      String name, int[] shape, Kind kind, int fanIn, int fanOut, WeightInit init, float initialValue) {
    this.name = name;
    this.shape = shape.clone();
    this.kind = kind;
    int size = 1;
    for (int d : shape) {
      size = Math.multiplyExact(size, d);
    }
    this.value = new float[size];
    this.grad = kind == Kind.BUFFER ? null : new float[size];
    this.fanIn = fanIn;
    this.fanOut = fanOut;
    this.init = init;
    this.initialValue = initialValue;
    Arrays.fill(value, initialValue);
  }

  public String name() {
    return name;
  }

  /** PyTorch's shape of this tensor. */
  public int[] shape() {
    return shape.clone();
  }

  public Kind kind() {
    return kind;
  }

  public boolean isTrainable() {
    return kind != Kind.BUFFER;
  }

  public int size() {
    return value.length;
  }

  /** The live values, row-major in {@link #shape()}. */
  public float[] value() {
    return value;
  }

  /** The live gradient, accumulated by backward passes until {@link #zeroGrad()}; null for buffers. */
  public float[] grad() {
    return grad;
  }

  public int fanIn() {
    return fanIn;
  }

  public int fanOut() {
    return fanOut;
  }

  /** How a weight starts; null for biases and buffers. */
  public WeightInit init() {
    return init;
  }

  /**
   * Sets this tensor to its starting values: weights drawn from their scheme, everything else its constant
   * (biases 0, scales 1, running variances 1).
   */
  public void reset(Rng rng) {
    if (kind == Kind.WEIGHT) {
      init.fill(value, fanIn, fanOut, rng);
    } else {
      Arrays.fill(value, initialValue);
    }
    zeroGrad();
    markModified();
  }

  /**
   * A counter that changes whenever the values change through {@link #set}, {@link #reset} or an optimizer step.
   * Generated networks keep repacked copies of some weights (a Dense layer's, transposed) and refresh them when it
   * moves.
   */
  public int version() {
    return version;
  }

  /** Declares that {@link #value()} was written in place, so packed copies of it are refreshed. */
  public void markModified() {
    version++;
  }

  /** Copies {@code src} (row-major in PyTorch's shape) into this tensor. */
  public void set(float[] src) {
    if (src.length != value.length) {
      throw new IllegalArgumentException(
          name + ": expected " + value.length + " values for shape " + Arrays.toString(shape) + ", got " + src.length);
    }
    System.arraycopy(src, 0, value, 0, value.length);
    markModified();
  }

  public void zeroGrad() {
    if (grad != null) {
      Arrays.fill(grad, 0f);
    }
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
