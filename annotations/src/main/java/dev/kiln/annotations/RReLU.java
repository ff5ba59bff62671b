package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A randomized leaky ReLU ({@code torch.nn.RReLU}): {@code x >= 0 ? x : a * x}. In training mode the slope {@code a}
 * is drawn uniformly from {@code [lower, upper]} for every value, from the workspace's generator (so a seed
 * reproduces it); in inference mode (the default) it is fixed at {@code (lower + upper) / 2}. The output shape is
 * the input shape. The method returns {@code ActivationLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface RReLU {
  /** Smallest slope; PyTorch's default 1/8. */
  double lower() default 1.0 / 8;

  /** Largest slope, at least {@code lower}; PyTorch's default 1/3. */
  double upper() default 1.0 / 3;
}
