/**
 * Small numeric kernels that generated code calls: activations and their derivatives, and the elementwise sums of
 * residual connections, over flat arrays. They are static, allocation-free and short, so HotSpot inlines them into
 * the generated passes.
 */
package dev.kiln.runtime.kernel;
