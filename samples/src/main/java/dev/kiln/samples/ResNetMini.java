package dev.kiln.samples;

import static dev.kiln.annotations.Activation.RELU;

import dev.kiln.annotations.BatchNorm;
import dev.kiln.annotations.Conv;
import dev.kiln.annotations.ConvTranspose;
import dev.kiln.annotations.Dense;
import dev.kiln.annotations.Dropout;
import dev.kiln.annotations.GlobalPool;
import dev.kiln.annotations.GroupNorm;
import dev.kiln.annotations.LayerNorm;
import dev.kiln.annotations.Network;
import dev.kiln.annotations.PReLU;
import dev.kiln.annotations.Pool;
import dev.kiln.annotations.PoolMode;
import dev.kiln.annotations.RReLU;
import dev.kiln.annotations.Residual;
import dev.kiln.runtime.layer.ActivationLayer;
import dev.kiln.runtime.layer.BatchNormLayer;
import dev.kiln.runtime.layer.ConvLayer;
import dev.kiln.runtime.layer.ConvTransposeLayer;
import dev.kiln.runtime.layer.DenseLayer;
import dev.kiln.runtime.layer.DropoutLayer;
import dev.kiln.runtime.layer.NormLayer;
import dev.kiln.runtime.layer.PReluLayer;
import dev.kiln.runtime.layer.PoolLayer;

/**
 * A small residual classifier for 28x28 grey images that uses the normalisation and regularisation layers: a ResNet
 * basic block ({@code bn3} adds the block's input, {@code pool1}), then a stride-2 convolution and a transposed
 * convolution back to 14x14 whose output adds the block's output (a U-Net-style skip), global average pooling and a
 * small classifier. Stochastic pooling, the RReLU and the Gaussian dropout draw from the workspace's generator in
 * training mode and are deterministic in inference mode (the default). Kiln generates {@code Kiln_ResNetMini}.
 */
@Network(input = {1, 28, 28}, seed = 1)
public interface ResNetMini {
  @Conv(filters = 8, kernel = 3, padding = 1, bias = false)
  ConvLayer conv1();

  @BatchNorm(activation = RELU)
  BatchNormLayer bn1();

  /** 8x14x14. */
  @Pool(size = 2, mode = PoolMode.STOCHASTIC)
  PoolLayer pool1();

  @Conv(filters = 8, kernel = 3, padding = 1, bias = false)
  ConvLayer conv2();

  @BatchNorm(activation = RELU)
  BatchNormLayer bn2();

  @Conv(filters = 8, kernel = 3, padding = 1, bias = false)
  ConvLayer conv3();

  /** The block's output: {@code bn3(conv3(...)) + pool1}. */
  @BatchNorm
  @Residual(from = "pool1")
  BatchNormLayer bn3();

  @PReLU
  PReluLayer act3();

  /** 16x7x7. */
  @Conv(filters = 16, kernel = 3, stride = 2, padding = 1)
  ConvLayer down();

  @GroupNorm(groups = 4, activation = RELU)
  NormLayer gn();

  /** Back to 8x14x14, plus the block's output. */
  @ConvTranspose(filters = 8, kernel = 2, stride = 2)
  @Residual(from = "act3")
  ConvTransposeLayer up();

  @RReLU
  ActivationLayer act4();

  @GlobalPool
  PoolLayer gap();

  @Dense(units = 16)
  DenseLayer fc1();

  @LayerNorm(activation = RELU)
  NormLayer ln1();

  @Dropout(value = 0.2, gaussian = true)
  DropoutLayer drop();

  @Dense(units = 10)
  DenseLayer fc2();
}
