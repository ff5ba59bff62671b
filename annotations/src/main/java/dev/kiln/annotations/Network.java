package dev.kiln.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface as a network whose layers are its abstract methods, in source order. The annotation processor
 * checks every shape and generates {@code Kiln_<Name>} (nested names joined by {@code _}) in the same package.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Network {
  /** The shape of one sample, without the batch: {@code {channels, height, width}} or {@code {features}}. */
  int[] input();

  /** Seed for the weight initializers, so the same seed gives the same weights. */
  long seed() default 0L;
}
