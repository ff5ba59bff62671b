/**
 * Small numeric kernels that generated code calls: the multiply-add of every row update ({@link
 * dev.kiln.runtime.kernel.MultiplyAdd}, fused where the processor can), activations and their derivatives, and the
 * elementwise sums of residual connections, over flat arrays; weight rearrangements ({@link
 * dev.kiln.runtime.kernel.Packing}, and {@link dev.kiln.runtime.kernel.BatchNormFolding}, which folds a batch norm into
 * a convolution), index tables that generated classes build once ({@link dev.kiln.runtime.kernel.ConvWindows}), and
 * what the JVM offers that changes which kernel shape is fastest ({@link dev.kiln.runtime.kernel.Registers}: how many
 * float registers C2 has), and the scratch array whose place in memory the default dense loops count on ({@link
 * dev.kiln.runtime.kernel.AlignedArena}: at a G1 region's start, so that C2's vectorised loops run one scalar
 * iteration, not sixteen). They are static, allocation-free and short, so HotSpot inlines them into the generated
 * passes. {@link dev.kiln.runtime.kernel.VectorBackend} holds the opt-in kernels written with the JDK's incubating
 * Vector API ({@code -Dkiln.vector=true} with {@code --add-modules jdk.incubator.vector}): register-blocked dense and
 * im2col products, a batch's convolutions with samples in lanes, and one sample's convolutions with their pools
 * straight from the image. Those kernels cast every vector they call a method on to its exact class ({@link
 * dev.kiln.runtime.kernel.VectorClass}), so that C2 compiles them without boxing whatever other vector code runs in
 * the same JVM.
 */
package dev.kiln.runtime.kernel;
