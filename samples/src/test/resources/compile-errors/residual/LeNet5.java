package dev.kiln.samples;

import static dev.kiln.annotations.Activation.RELU;

import dev.kiln.annotations.Conv;
import dev.kiln.annotations.Dense;
import dev.kiln.annotations.Network;
import dev.kiln.annotations.Pool;
import dev.kiln.annotations.Residual;
import dev.kiln.runtime.layer.ConvLayer;
import dev.kiln.runtime.layer.DenseLayer;
import dev.kiln.runtime.layer.PoolLayer;

/**
 * LeNet-5 for 28x28 grey images, layer for layer the PyTorch model of the reference training runs (same names, so
 * its state_dict loads unchanged). Kiln generates {@code Kiln_LeNet5}.
 */
@Network(input = {1, 28, 28}, seed = 1)
public interface LeNet5 {
  @Conv(filters = 6, kernel = 5, padding = 2, activation = RELU)
  ConvLayer conv1();

  @Pool(size = 2)
  PoolLayer pool1();

  @Conv(filters = 16, kernel = 5, activation = RELU)
  ConvLayer conv2();

  @Pool(size = 2)
  PoolLayer pool2();

  /** Flattens the 16x5x5 maps into 400 features. */
  @Dense(units = 120, activation = RELU)
  DenseLayer fc1();

  @Dense(units = 84, activation = RELU)
  @Residual(from = "fc1")
  DenseLayer fc2();

  @Dense(units = 10)
  DenseLayer fc3();
}
