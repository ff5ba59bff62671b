/**
 * Runnable programs a new user starts from, and the reference networks they use: {@link dev.kiln.samples.LeNet5}
 * and {@link dev.kiln.samples.Mlp}, the two nets PyTorch trained on Fashion-MNIST, written as annotated interfaces
 * and compiled by the real processor in this module's build.
 */
package dev.kiln.samples;
