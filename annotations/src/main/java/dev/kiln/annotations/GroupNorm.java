package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Group normalisation ({@code torch.nn.GroupNorm}): the channels are split into {@code groups} consecutive groups,
 * and each sample's group is normalised with its own mean and (biased) variance over its channels and positions,
 * then scaled and shifted per channel by {@code <layer>.weight} and {@code <layer>.bias} ({@code [C]}, starting at 1
 * and 0). {@code groups} must divide the channels (a compile error otherwise); {@code groups = 1} normalises like a
 * layer norm with per-channel affine parameters, {@code groups = C} like {@link InstanceNorm}. Training and inference
 * compute the same. The method returns {@code NormLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface GroupNorm {
  /** Number of channel groups; at least 1, and must divide the input channels. */
  int groups();

  /** Added to the variance before the square root; positive. PyTorch's default 1e-5. */
  double eps() default 1e-5;

  /** Applied after the normalisation (and before a {@link Residual} is added). */
  Activation activation() default Activation.IDENTITY;

  /** Parameter of the activation: the negative slope of LEAKY_RELU, the alpha of ELU. NaN means the default. */
  double alpha() default Double.NaN;
}
