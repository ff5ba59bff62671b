/**
 * The annotations a user writes on a network interface, and their enums.
 *
 * <p>A network is an interface annotated {@link dev.kiln.annotations.Network}; each abstract method is one layer,
 * in source order, annotated with exactly one layer annotation ({@link dev.kiln.annotations.Dense},
 * {@link dev.kiln.annotations.Conv}, {@link dev.kiln.annotations.Pool}, ...). The method's name is the layer's name
 * and the prefix of its parameters' names ({@code conv1.weight}), as PyTorch names them.
 *
 * <p>{@link dev.kiln.annotations.Residual} is not a layer: it goes next to a layer annotation and adds an earlier
 * layer's output (or the network's input) to that layer's output.
 *
 * <p>Modes: layers whose training and inference differ ({@link dev.kiln.annotations.BatchNorm},
 * {@link dev.kiln.annotations.Dropout}, {@link dev.kiln.annotations.RReLU}, stochastic pooling) follow the model's
 * {@code train()} / {@code eval()}; a new model is in inference mode.
 *
 * <p>This package depends on nothing: it is all a user's compile classpath needs besides the runtime.
 */
package dev.kiln.annotations;
