package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A residual (skip) connection, written next to a layer annotation: the layer's output becomes its own output plus
 * the output of the earlier layer named {@link #from()} (or of the network's input, {@code from = "input"}), as in
 * {@code out = f(x) + skip}. The sum is what the next layers see. The addition comes after the layer's own
 * activation: for ResNet's {@code relu(bn(conv(x)) + x)}, put the residual on the batch norm and follow it with an
 * {@code @Activate(RELU)} layer.
 *
 * <p>Both shapes must be equal (channels, height and width), and the source must come before this layer; either
 * mistake is a compile error at {@code from}. Gradients flow into both branches.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Residual {
  /** The name of an earlier layer (its method's name), or {@code "input"} for the network's input. */
  String from();
}
