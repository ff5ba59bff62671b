package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Instance normalisation ({@code torch.nn.InstanceNorm2d(affine = True)}): each channel of each sample is normalised
 * with the mean and (biased) variance of its own {@code H*W} positions, then scaled and shifted per channel by
 * {@code <layer>.weight} and {@code <layer>.bias} ({@code [C]}, starting at 1 and 0). It needs a
 * {@code {C, H, W}} input. No running statistics are kept (PyTorch's default {@code track_running_stats = False}),
 * so training and inference compute the same. The method returns {@code NormLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface InstanceNorm {
  /** Added to the variance before the square root; positive. PyTorch's default 1e-5. */
  double eps() default 1e-5;

  /** Applied after the normalisation (and before a {@link Residual} is added). */
  Activation activation() default Activation.IDENTITY;

  /** Parameter of the activation: the negative slope of LEAKY_RELU, the alpha of ELU. NaN means the default. */
  double alpha() default Double.NaN;
}
