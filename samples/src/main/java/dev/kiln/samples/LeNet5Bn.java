package dev.kiln.samples;

import static dev.kiln.annotations.Activation.RELU;

import dev.kiln.annotations.BatchNorm;
import dev.kiln.annotations.Conv;
import dev.kiln.annotations.Dense;
import dev.kiln.annotations.Dropout;
import dev.kiln.annotations.Network;
import dev.kiln.annotations.Pool;
import dev.kiln.runtime.layer.BatchNormLayer;
import dev.kiln.runtime.layer.ConvLayer;
import dev.kiln.runtime.layer.DenseLayer;
import dev.kiln.runtime.layer.DropoutLayer;
import dev.kiln.runtime.layer.PoolLayer;

/**
 * LeNet-5 with batch normalisation after each convolution (before its ReLU) and dropout before the classifier: the
 * PyTorch reference {@code LeNet5(bn=True)} plus an {@code nn.Dropout(0.5)}, which has no tensors, so that model's
 * state_dict (running statistics included) loads unchanged. Call {@code train()} before training steps and
 * {@code eval()} (the default) for inference. Kiln generates {@code Kiln_LeNet5Bn}.
 */
@Network(input = {1, 28, 28}, seed = 1)
public interface LeNet5Bn {
  @Conv(filters = 6, kernel = 5, padding = 2)
  ConvLayer conv1();

  @BatchNorm(activation = RELU)
  BatchNormLayer bn1();

  @Pool(size = 2)
  PoolLayer pool1();

  @Conv(filters = 16, kernel = 5)
  ConvLayer conv2();

  @BatchNorm(activation = RELU)
  BatchNormLayer bn2();

  @Pool(size = 2)
  PoolLayer pool2();

  @Dense(units = 120, activation = RELU)
  DenseLayer fc1();

  @Dense(units = 84, activation = RELU)
  DenseLayer fc2();

  @Dropout(0.5)
  DropoutLayer drop();

  @Dense(units = 10)
  DenseLayer fc3();
}
