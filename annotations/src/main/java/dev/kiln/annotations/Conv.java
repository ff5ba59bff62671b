package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A 2-D convolution ({@code torch.nn.Conv2d}) over a {@code {C, H, W}} input, weight
 * {@code [filters, C / groups, kh, kw]}. Kernel, stride, padding and dilation take one value for both axes or
 * {@code {h, w}}. Output size per axis: {@code floor((in + 2p - d(k-1) - 1) / s) + 1}. The method returns
 * {@code ConvLayer}.
 *
 * <p>A depthwise-separable convolution (MobileNet) is two of these: a depthwise step with {@code groups} equal to
 * the input channels (each channel filtered on its own; {@code filters} a multiple of the channels), then a
 * pointwise step, a 1x1 convolution that mixes the channels:
 * <pre>
 * &#64;Conv(filters = 32, kernel = 3, padding = 1, groups = 32) ConvLayer depthwise();   // input has 32 channels
 * &#64;Conv(filters = 64, kernel = 1, activation = RELU)        ConvLayer pointwise();
 * </pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Conv {
  /** Number of output channels; must be divisible by {@link #groups()}. */
  int filters();

  /** Kernel size: {@code k} or {@code {kh, kw}}. */
  int[] kernel();

  int[] stride() default {1};

  /** Zero padding on each side: {@code p} or {@code {ph, pw}}. */
  int[] padding() default {0};

  int[] dilation() default {1};

  /** Channel groups: 1 is a full convolution, {@code groups == channels} a depthwise one. */
  int groups() default 1;

  boolean bias() default true;

  Activation activation() default Activation.IDENTITY;

  /** Parameter of the activation: the negative slope of LEAKY_RELU, the alpha of ELU. NaN means the default. */
  double alpha() default Double.NaN;

  Init init() default Init.DEFAULT;
}
