/**
 * The last stage: writes the generated network with JavaPoet. {@link dev.kiln.processor.generate.SourceFileGenerator}
 * is the one base every output goes through (originating element, generated marker, reproducible layout);
 * {@link dev.kiln.processor.generate.NetworkGenerator} writes the class; one {@code *Code} class per layer kind
 * writes that layer's forward and backward methods with every bound a literal; {@code BatchNormFoldCode} writes a
 * convolution and the batch norm after it as one convolution at inference, and {@code ConvCode} a convolution that
 * also takes the 2x2 max pool after it at inference; {@code LaneChainCode} the opt-in Vector API path that runs a
 * network's leading convolutions on groups of samples in vector lanes at inference, and the samples left over one at
 * a time on the runtime's pooled kernels; {@code DenseCode} also the overrides by which multi-threaded training splits
 * a network's first dense layer by outputs ({@code DenseCode.splitLayer}). Every row update of the kernels is a chain of {@code madd} (the runtime's
 * {@code MultiplyAdd}): a fused multiply-add where the JVM uses the processor's FMA unit.
 */
package dev.kiln.processor.generate;
