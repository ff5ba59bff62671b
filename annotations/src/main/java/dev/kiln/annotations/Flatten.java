package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Flattens {@code {C, H, W}} into {@code {C*H*W}} in row-major order, as {@code torch.flatten(x, 1)}. Costs nothing:
 * it shares its input's memory. A {@link Dense} after a 3-D tensor flattens implicitly. Returns {@code FlattenLayer}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Flatten {}
