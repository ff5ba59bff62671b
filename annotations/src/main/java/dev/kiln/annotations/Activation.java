package dev.kiln.annotations;

/**
 * The element-wise (and, for the two softmax forms, per-sample) functions a layer may apply to its output.
 * Softmax and log-softmax act over the feature dimension, or over the channels at each position of an image.
 */
public enum Activation {
  IDENTITY,
  RELU,
  /** {@code x > 0 ? x : alpha * x}; the slope is the layer's {@code alpha} (PyTorch's default 0.01). */
  LEAKY_RELU,
  SIGMOID,
  TANH,
  /** {@code x > 0 ? x : alpha * (exp(x) - 1)}; {@code alpha} defaults to 1. */
  ELU,
  /** {@code log(1 + exp(x))}, PyTorch's beta 1 form. */
  SOFTPLUS,
  /** The exact (erf) form, as PyTorch's default. */
  GELU,
  /** {@code x * sigmoid(x)}, also called swish. */
  SILU,
  SOFTMAX,
  LOG_SOFTMAX
}
