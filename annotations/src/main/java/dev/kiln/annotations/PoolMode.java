package dev.kiln.annotations;

/** How a pooling window is reduced. */
public enum PoolMode {
  /** The largest value; padding counts as negative infinity. */
  MAX,
  /** The mean; padding counts as zeros in the divisor, as PyTorch's default {@code count_include_pad = true}. */
  AVG,
  /**
   * Stochastic pooling (Zeiler and Fergus 2013), for non-negative inputs such as a ReLU's output. In training mode one
   * value of each window is picked, with probability proportional to its value ({@code a_i / sum a}), drawn from the
   * workspace's generator; the gradient goes to the picked value. In inference mode the output is the
   * probability-weighted average {@code sum a_i^2 / sum a}. Negative values count as zero (they are never picked),
   * as does padding; a window with nothing positive gives 0.
   */
  STOCHASTIC
}
