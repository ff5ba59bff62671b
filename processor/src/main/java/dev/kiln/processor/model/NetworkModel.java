package dev.kiln.processor.model;

import java.util.List;

/**
 * A whole validated network: where its interface lives, what the generated class is called, its input shape and
 * its layers in forward order.
 */
public record NetworkModel(
    String packageName,
    String interfaceName,
    String qualifiedInterfaceName,
    String generatedName,
    TensorShape input,
    long seed,
    List<LayerModel> layers) {
  public NetworkModel {
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a network needs layers");
    }
  }

  public TensorShape output() {
    return layers.get(layers.size() - 1).output();
  }
}
