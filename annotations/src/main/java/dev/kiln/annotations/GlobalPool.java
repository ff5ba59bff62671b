package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Global pooling: {@code {C, H, W}} becomes {@code {C, 1, 1}}, the mean or the maximum of each channel
 * ({@code adaptive_avg_pool2d(x, 1)} / {@code adaptive_max_pool2d(x, 1)}), or a stochastic pick over the whole
 * channel ({@link PoolMode#STOCHASTIC}). The method returns {@code PoolLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface GlobalPool {
  PoolMode value() default PoolMode.AVG;
}
