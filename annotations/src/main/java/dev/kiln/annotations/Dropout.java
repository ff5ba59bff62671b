package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Dropout ({@code torch.nn.Dropout}), inverted: in training mode each value is kept with probability {@code 1 - p}
 * and scaled by {@code 1 / (1 - p)}, or zeroed, so the expected output equals the input; in inference mode (the
 * default) it is the identity. With {@code gaussian = true}, each value is instead multiplied by noise drawn from
 * {@code N(1, p / (1 - p))} (Srivastava et al. 2014), which has the same mean and variance as the scaled Bernoulli
 * mask. The output shape is the input shape. The method returns {@code DropoutLayer}.
 *
 * <p>Masks come from the workspace's generator ({@code Workspace.rng()}, seeded from the {@code @Network} seed):
 * restoring its state before a forward pass reproduces the same masks.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Dropout {
  /** The drop probability {@code p}, in [0, 1): 1 would drop everything. */
  double value() default 0.5;

  /** Multiplicative Gaussian noise instead of a Bernoulli mask. */
  boolean gaussian() default false;
}
