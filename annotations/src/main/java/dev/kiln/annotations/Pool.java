package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * 2-D pooling ({@code MaxPool2d} / {@code AvgPool2d}, or stochastic pooling: see {@link PoolMode#STOCHASTIC}) over a
 * {@code {C, H, W}} input. Padding may be at most half the window on each axis, as PyTorch requires. The method
 * returns {@code PoolLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Pool {
  /** Window size: {@code k} or {@code {kh, kw}}. */
  int[] size();

  PoolMode mode() default PoolMode.MAX;

  /** Step between windows; empty (the default) means the window size, as in PyTorch. */
  int[] stride() default {};

  int[] padding() default {0};
}
