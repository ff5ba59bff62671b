package dev.kiln.annotations;

/**
 * Weight initializers. Biases always start at zero. {@link #ZEROS} and {@link #CONSTANT} exist so that asking for
 * them is a compile error that explains why: identical weights get identical gradients, so units never differ.
 */
public enum Init {
  /** He (normal) for the ReLU family, Glorot (uniform) otherwise. */
  DEFAULT,
  /** Normal with variance {@code 1 / fan_in}. */
  LECUN_NORMAL,
  /** Uniform with variance {@code 1 / fan_in}. */
  LECUN_UNIFORM,
  /** Uniform in {@code +-sqrt(6 / (fan_in + fan_out))}. */
  GLOROT_UNIFORM,
  /** Normal with variance {@code 2 / (fan_in + fan_out)}. */
  GLOROT_NORMAL,
  /** Uniform in {@code +-sqrt(6 / fan_in)}. */
  HE_UNIFORM,
  /** Normal with variance {@code 2 / fan_in}. */
  HE_NORMAL,
  /** Refused at compile time. */
  ZEROS,
  /** Refused at compile time. */
  CONSTANT
}
