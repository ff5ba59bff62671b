package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Batch normalisation ({@code torch.nn.BatchNorm1d} after a {@link Dense}, per feature; {@code BatchNorm2d} after a
 * {@link Conv}, per channel): {@code y = gamma * (x - mean) / sqrt(var + eps) + beta}. The output shape is the input
 * shape. The method returns {@code BatchNormLayer}.
 *
 * <p>Tensors, with PyTorch's names: {@code <layer>.weight} (gamma, learnable, starts at 1), {@code <layer>.bias}
 * (beta, learnable, starts at 0), {@code <layer>.running_mean} (starts at 0), {@code <layer>.running_var} (starts at
 * 1) and {@code <layer>.num_batches_tracked}; the last three are buffers, saved with the weights.
 *
 * <p>In training mode ({@code model.train()}) a forward pass normalises with the batch's own mean and (biased)
 * variance over the batch and the positions, and updates the running statistics:
 * {@code running = (1 - momentum) * running + momentum * batch_statistic}, with the unbiased variance
 * {@code var * m / (m - 1)} for the running variance, {@code m} values per channel. It needs more than one value per
 * channel, as in PyTorch: a batch of one on a vector (or a 1x1 image) is an {@code IllegalArgumentException}. In
 * inference mode (the default) it uses the running statistics. The running statistics are the model's, shared by
 * every workspace: run one training forward pass at a time.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface BatchNorm {
  /** Weight of the newest batch in the running statistics, in [0, 1]; PyTorch's default 0.1. */
  double momentum() default 0.1;

  /** Added to the variance before the square root; positive. PyTorch's default 1e-5. */
  double eps() default 1e-5;

  /** Applied after the normalisation (and before a {@link Residual} is added). */
  Activation activation() default Activation.IDENTITY;

  /** Parameter of the activation: the negative slope of LEAKY_RELU, the alpha of ELU. NaN means the default. */
  double alpha() default Double.NaN;
}
