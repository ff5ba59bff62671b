/**
 * Runnable programs a new user starts from, and the reference networks they use: {@link dev.kiln.samples.LeNet5}
 * and {@link dev.kiln.samples.Mlp}, the two nets PyTorch trained on Fashion-MNIST, written as annotated interfaces
 * and compiled by the real processor in this module's build; {@link dev.kiln.samples.LeNet5Bn} (LeNet-5 with batch
 * norm and dropout) and {@link dev.kiln.samples.ResNetMini} (residual connections, normalisations, a transposed
 * convolution, stochastic pooling, PReLU and RReLU) show the layers whose training and inference differ.
 */
package dev.kiln.samples;
