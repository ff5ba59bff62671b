/** Weight initializers: LeCun, Glorot/Xavier and He/MSRA, uniform and normal, drawn from a seeded {@code Rng}. */
package dev.kiln.runtime.init;
