package dev.kiln.runtime.init;

import dev.kiln.runtime.Rng;

/**
 * How a weight tensor starts. Each scheme fixes the variance from the tensor's fan-in and fan-out so that signals
 * neither vanish nor explode through depth. Constant schemes do not exist here on purpose: the processor refuses
 * them, because identical weights get identical gradients and never break symmetry.
 */
public enum WeightInit {
  /** Normal, variance {@code 1 / fanIn} (LeCun 1998); suits SELU/tanh-like units. */
  LECUN_NORMAL,
  /** Uniform in {@code +-sqrt(3 / fanIn)}: variance {@code 1 / fanIn}. */
  LECUN_UNIFORM,
  /** Uniform in {@code +-sqrt(6 / (fanIn + fanOut))} (Glorot and Bengio 2010). */
  GLOROT_UNIFORM,
  /** Normal, variance {@code 2 / (fanIn + fanOut)}. */
  GLOROT_NORMAL,
  /** Uniform in {@code +-sqrt(6 / fanIn)}: variance {@code 2 / fanIn} (He et al. 2015), for the ReLU family. */
  HE_UNIFORM,
  /** Normal, variance {@code 2 / fanIn}. */
  HE_NORMAL;

  /** The variance this scheme targets for the given fans. */
  public double variance(int fanIn, int fanOut) {
    return switch (this) {
      case LECUN_NORMAL, LECUN_UNIFORM -> 1.0 / fanIn;
      case GLOROT_UNIFORM, GLOROT_NORMAL -> 2.0 / (fanIn + fanOut);
      case HE_UNIFORM, HE_NORMAL -> 2.0 / fanIn;
    };
  }

  public boolean isUniform() {
    return this == LECUN_UNIFORM || this == GLOROT_UNIFORM || this == HE_UNIFORM;
  }

  /** Fills {@code w} with draws of this scheme. */
  public void fill(float[] w, int fanIn, int fanOut, Rng rng) {
    if (fanIn < 1 || fanOut < 1) {
      throw new IllegalArgumentException("fans must be positive: in " + fanIn + ", out " + fanOut);
    }
    double std = Math.sqrt(variance(fanIn, fanOut));
    if (isUniform()) {
      double limit = std * Math.sqrt(3.0); // a uniform on [-a, a] has variance a^2 / 3
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
      }
    } else {
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (rng.nextGaussian() * std);
      }
    }
  }
}
