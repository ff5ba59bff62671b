package dev.kiln.annotations;

/** How a pooling window is reduced. */
public enum PoolMode {
  /** The largest value; padding counts as negative infinity. */
  MAX,
  /** The mean; padding counts as zeros in the divisor, as PyTorch's default {@code count_include_pad = true}. */
  AVG
}
