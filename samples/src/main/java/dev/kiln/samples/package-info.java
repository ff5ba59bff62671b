/**
 * Runnable programs a new user starts from, and the reference networks they use: {@link dev.kiln.samples.LeNet5}
 * and {@link dev.kiln.samples.Mlp}, the two nets PyTorch trained on Fashion-MNIST, written as annotated interfaces
 * and compiled by the real processor in this module's build; {@link dev.kiln.samples.LeNet5Bn} (LeNet-5 with batch
 * norm and dropout) and {@link dev.kiln.samples.ResNetMini} (residual connections, normalisations, a transposed
 * convolution, stochastic pooling, PReLU and RReLU) show the layers whose training and inference differ.
 *
 * <p>The programs: {@link dev.kiln.samples.TrainLeNet5}, the README's main job ({@code mvn -q -DskipTests -Pdemo
 * install}: summary, training with progress, evaluation, safetensors, a PNG chart drawn by
 * {@link dev.kiln.samples.TrainingChart}); {@link dev.kiln.samples.PyTorchInterop}, which runs the PyTorch-trained
 * weights and compares with PyTorch's logits; {@link dev.kiln.samples.ModelTour}, the README's tour of a generated
 * network; and the HTTP inference server in {@code dev.kiln.samples.serve}. {@link dev.kiln.samples.FashionData}
 * finds their data: the Fashion-MNIST subset shipped in this module's resources, or the full installed set.
 */
package dev.kiln.samples;
