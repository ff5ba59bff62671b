package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A 2-D transposed convolution ({@code torch.nn.ConvTranspose2d}, sometimes called a deconvolution): the gradient of
 * a convolution with respect to its input, used to upsample. Weight {@code [C, filters / groups, kh, kw]} (input
 * channels first, as PyTorch keeps it). Kernel, stride, padding, output padding and dilation take one value for
 * both axes or {@code {h, w}}. Output size per axis: {@code (in - 1) * s - 2p + d(k - 1) + outputPadding + 1}; it
 * must be at least 1, and the output padding must be smaller than the stride or the dilation, as PyTorch requires.
 * The method returns {@code ConvTransposeLayer}.
 *
 * <p>A depthwise-separable convolution is not a layer of its own: write a grouped {@link Conv} with
 * {@code groups = channels} (one filter per channel: the depthwise step) followed by a 1x1 {@link Conv} (the
 * pointwise step that mixes channels), as MobileNet does.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface ConvTranspose {
  /** Number of output channels; must be divisible by {@link #groups()}. */
  int filters();

  /** Kernel size: {@code k} or {@code {kh, kw}}. */
  int[] kernel();

  int[] stride() default {1};

  /** Removed from each side of the full output: {@code p} or {@code {ph, pw}}. */
  int[] padding() default {0};

  /** Added to one side (bottom, right) of the output, to pick among the sizes a strided conv maps to one size. */
  int[] outputPadding() default {0};

  int[] dilation() default {1};

  /** Channel groups: 1 is a full transposed convolution; must divide the input channels and the filters. */
  int groups() default 1;

  boolean bias() default true;

  Activation activation() default Activation.IDENTITY;

  /** Parameter of the activation: the negative slope of LEAKY_RELU, the alpha of ELU. NaN means the default. */
  double alpha() default Double.NaN;

  Init init() default Init.DEFAULT;
}
