package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Layer normalisation ({@code torch.nn.LayerNorm(normalized_shape = the whole sample)}): each sample is normalised
 * with the mean and (biased) variance of all its values, {@code C*H*W} of an image or the features of a vector, then
 * scaled and shifted elementwise by {@code <layer>.weight} and {@code <layer>.bias}, both of the sample's shape
 * (starting at 1 and 0). Training and inference compute the same. The method returns {@code NormLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface LayerNorm {
  /** Added to the variance before the square root; positive. PyTorch's default 1e-5. */
  double eps() default 1e-5;

  /** Applied after the normalisation (and before a {@link Residual} is added). */
  Activation activation() default Activation.IDENTITY;

  /** Parameter of the activation: the negative slope of LEAKY_RELU, the alpha of ELU. NaN means the default. */
  double alpha() default Double.NaN;
}
