package dev.kiln.processor.model;

/**
 * A layer that applies its activation itself, in place of a separate activation layer: Dense, Conv, ConvTranspose
 * and the normalisations. The plan gives such a layer a pre-activation buffer when the activation is not identity,
 * unless the layer's kernels apply it themselves (a ReLU on a convolution without a residual).
 */
public interface FusedActivation {
  ActivationModel activation();
}
