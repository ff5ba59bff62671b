package dev.kiln.processor.model;

import java.util.List;

/**
 * A whole validated network: where its interface lives, what the generated class is called, its input shape, its
 * layers in forward order and its residual connections (each from an earlier layer, or the input, of equal shape).
 */
public record NetworkModel(
    String packageName,
    String interfaceName,
    String qualifiedInterfaceName,
    String generatedName,
    TensorShape input,
    long seed,
    List<LayerModel> layers,
    List<Residual> residuals) {
  public NetworkModel {
    layers = List.copyOf(layers);
    residuals = List.copyOf(residuals);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a network needs layers");
    }
    for (Residual r : residuals) {
      int target = indexOf(layers, r.layer());
      int source = r.fromInput() ? -1 : indexOf(layers, r.from());
      if (target < 0 || (!r.fromInput() && (source < 0 || source >= target))) {
        throw new IllegalArgumentException("a residual adds an earlier layer to a later one: " + r);
      }
      TensorShape from = source < 0 ? input : layers.get(source).output();
      if (!from.equals(layers.get(target).output())) {
        throw new IllegalArgumentException("a residual needs equal shapes: " + r);
      }
    }
  }

  /** A network without skip connections. */
  public NetworkModel(String packageName, String interfaceName, String qualifiedInterfaceName, String generatedName,
      TensorShape input, long seed, List<LayerModel> layers) {
    this(packageName, interfaceName, qualifiedInterfaceName, generatedName, input, seed, layers, List.of());
  }

  /** The residual added to layer {@code name}'s output, if it has one. */
  public java.util.Optional<Residual> residualOf(String name) {
    return residuals.stream().filter(r -> r.layer().equals(name)).findFirst();
  }

  private static int indexOf(List<LayerModel> layers, String name) {
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  public TensorShape output() {
    return layers.get(layers.size() - 1).output();
  }
}
