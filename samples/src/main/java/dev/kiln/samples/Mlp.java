package dev.kiln.samples;

import static dev.kiln.annotations.Activation.RELU;

import dev.kiln.annotations.Dense;
import dev.kiln.annotations.Network;
import dev.kiln.runtime.layer.DenseLayer;

/** The multi-layer perceptron 784-256-128-10 of the reference training runs. Kiln generates {@code Kiln_Mlp}. */
@Network(input = {1, 28, 28}, seed = 1)
public interface Mlp {
  @Dense(units = 256, activation = RELU)
  DenseLayer fc1();

  @Dense(units = 128, activation = RELU)
  DenseLayer fc2();

  @Dense(units = 10)
  DenseLayer fc3();
}
