package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A fully connected layer ({@code torch.nn.Linear}): {@code y = x W^T + b}, weight {@code [units, in]}. A 3-D input
 * is flattened first, as {@code torch.flatten(x, 1)} would. The method returns {@code DenseLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Dense {
  /** Number of outputs per sample; at least 1. */
  int units();

  boolean bias() default true;

  Activation activation() default Activation.IDENTITY;

  /** Parameter of the activation: the negative slope of LEAKY_RELU, the alpha of ELU. NaN means the default. */
  double alpha() default Double.NaN;

  /** How the weights start; DEFAULT picks He for the ReLU family and Glorot otherwise. */
  Init init() default Init.DEFAULT;
}
