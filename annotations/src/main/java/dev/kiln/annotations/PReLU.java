package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A parametric ReLU ({@code torch.nn.PReLU(num_parameters = C)}): {@code x > 0 ? x : a * x} with a learned slope
 * {@code a} per channel (per feature of a vector), the tensor {@code <layer>.weight} of shape {@code [C]}, or one
 * slope shared by every channel ({@code [1]}) with {@code shared = true}. The slope is not weight-decayed (it is a
 * scale, not a weight). The output shape is the input shape. The method returns {@code PReluLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface PReLU {
  /** The slope every channel starts with; PyTorch's default 0.25. */
  double slope() default 0.25;

  /** One slope for all channels (PyTorch's {@code num_parameters = 1}). */
  boolean shared() default false;
}
