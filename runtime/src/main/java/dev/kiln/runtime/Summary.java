package dev.kiln.runtime;

import dev.kiln.runtime.layer.Layer;

/** Formats a model's layer table; the processor prints the same table as a compile-time note. */
final class Summary {
  private Summary() {}

  static String of(Model model) {
    StringBuilder sb = new StringBuilder();
    sb.append(model.name()).append(": input ").append(model.inputShape()).append('\n');
    String fmt = "%-12s %-34s %-12s %10s %12s %12s %6s%n";
    sb.append(String.format(fmt, "layer", "type", "output", "params", "mult-adds", "act. bytes", "RF"));
    long params = 0;
    long macs = 0;
    long bytes = 0;
    for (Layer l : model.layers()) {
      sb.append(String.format(fmt, l.name(), l.description(), l.outputShape(), l.parameterCount(), l.multiplyAdds(),
          l.activationBytes(), l.receptiveField() == 0 ? "all" : l.receptiveField()));
      params += l.parameterCount();
      macs += l.multiplyAdds();
      bytes += l.activationBytes();
    }
    sb.append(String.format(fmt, "total", "", model.outputShape(), params, macs, bytes, ""));
    return sb.toString();
  }
}
