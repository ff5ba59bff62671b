package dev.kiln.processor.plan;

import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.DenseModel;
import dev.kiln.processor.model.FlattenModel;
import dev.kiln.processor.model.LayerModel;
import dev.kiln.processor.model.NetworkModel;
import dev.kiln.processor.model.PoolModel;
import dev.kiln.annotations.PoolMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The buffers and costs of a whole network, layer by layer in forward order. */
public record NetworkPlan(NetworkModel network, List<LayerPlan> layers, Map<String, Integer> floatBuffers,
    Map<String, Integer> intBuffers) {
  public NetworkPlan {
    layers = List.copyOf(layers);
    floatBuffers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(floatBuffers));
    intBuffers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(intBuffers));
  }

  /** Plans {@code network}: one output and one gradient buffer per layer, shared where a layer is a pure view. */
  public static NetworkPlan of(NetworkModel network) {
    Map<String, Integer> floats = new LinkedHashMap<>();
    Map<String, Integer> ints = new LinkedHashMap<>();
    floats.put(LayerPlan.INPUT_GRAD, network.input().size());
    List<LayerPlan> plans = new ArrayList<>();
    String in = LayerPlan.INPUT;
    String inGrad = LayerPlan.INPUT_GRAD;
    int rf = 1;
    int jump = 1;
    for (LayerModel layer : network.layers()) {
      String out;
      String outGrad;
      String pre = null;
      String argmax = null;
      if (layer instanceof FlattenModel && !in.equals(LayerPlan.INPUT)) {
        out = in;
        outGrad = inGrad;
      } else {
        out = layer.name() + "Out";
        outGrad = layer.name() + "Grad";
        floats.put(out, layer.output().size());
        floats.put(outGrad, layer.output().size());
      }
      if (hasFusedActivation(layer)) {
        pre = layer.name() + "Pre";
        floats.put(pre, layer.output().size());
      }
      if (layer instanceof PoolModel p && p.mode() == PoolMode.MAX) {
        argmax = layer.name() + "Argmax";
        ints.put(argmax, layer.output().size());
      }
      // Receptive field along the height: grows by (k_eff - 1) input steps of the current jump.
      if (layer instanceof ConvModel c) {
        rf = rf == 0 ? 0 : rf + (c.window().effectiveHeight() - 1) * jump;
        jump *= c.window().sh();
      } else if (layer instanceof PoolModel p) {
        rf = p.global() || rf == 0 ? 0 : rf + (p.window().kh() - 1) * jump;
        jump *= p.window().sh();
      } else if (layer instanceof DenseModel) {
        rf = 0;
      }
      plans.add(new LayerPlan(layer, in, out, pre, inGrad, outGrad, argmax, parameters(layer), multiplyAdds(layer),
          rf));
      in = out;
      inGrad = outGrad;
    }
    return new NetworkPlan(network, plans, floats, ints);
  }

  /** Dense and Conv apply their activation in place of a separate layer; it needs the pre-activation values. */
  public static boolean hasFusedActivation(LayerModel layer) {
    if (layer instanceof DenseModel d) {
      return !d.activation().isIdentity();
    }
    return layer instanceof ConvModel c && !c.activation().isIdentity();
  }

  public static long parameters(LayerModel layer) {
    if (layer instanceof DenseModel d) {
      return (long) d.units() * d.inFeatures() + (d.bias() ? d.units() : 0);
    }
    if (layer instanceof ConvModel c) {
      return (long) c.filters() * c.channelsPerGroup() * c.window().kh() * c.window().kw()
          + (c.bias() ? c.filters() : 0);
    }
    return 0;
  }

  /** Multiply-adds of one sample's forward pass (pooling and activations count as none). */
  public static long multiplyAdds(LayerModel layer) {
    if (layer instanceof DenseModel d) {
      return (long) d.units() * d.inFeatures();
    }
    if (layer instanceof ConvModel c) {
      return (long) c.output().size() * c.channelsPerGroup() * c.window().kh() * c.window().kw();
    }
    return 0;
  }

  public LayerPlan last() {
    return layers.get(layers.size() - 1);
  }

  public long totalParameters() {
    return layers.stream().mapToLong(LayerPlan::parameters).sum();
  }

  public long totalMultiplyAdds() {
    return layers.stream().mapToLong(LayerPlan::multiplyAdds).sum();
  }

  /** Bytes of float32 activations per sample: every layer's own output (flatten shares). */
  public long activationBytes() {
    return 4L * layers.stream().filter(LayerPlan::ownsOutput).mapToLong(l -> l.layer().output().size()).sum();
  }

  /** The layer table printed by the processor's note and kept in the generated Javadoc. */
  public String summaryTable() {
    StringBuilder sb = new StringBuilder();
    String fmt = "%-12s %-34s %-12s %10s %12s %12s %6s%n";
    sb.append(String.format(java.util.Locale.ROOT, fmt, "layer", "type", "output", "params", "mult-adds",
        "act. bytes", "RF"));
    sb.append(String.format(java.util.Locale.ROOT, fmt, "input", "", network.input(), "", "", "", ""));
    for (LayerPlan l : layers) {
      sb.append(String.format(java.util.Locale.ROOT, fmt, l.layer().name(), l.layer().describe(), l.layer().output(),
          l.parameters(), l.multiplyAdds(), 4L * l.layer().output().size(),
          l.receptiveField() == 0 ? "all" : l.receptiveField()));
    }
    sb.append(String.format(java.util.Locale.ROOT, fmt, "total", "", network.output(), totalParameters(),
        totalMultiplyAdds(), activationBytes(), ""));
    return sb.toString();
  }
}
