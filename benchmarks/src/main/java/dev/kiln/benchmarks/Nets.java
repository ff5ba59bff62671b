package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.samples.Kiln_LeNet5;
import dev.kiln.samples.Kiln_LeNet5Bn;
import dev.kiln.samples.Kiln_Mlp;

/** Kiln's generated reference nets, by the names the {@code net} parameter takes. */
final class Nets {
  private Nets() {}

  /** A fresh network with the weights of its {@code @Network} seed: {@code mlp}, {@code lenet5} or {@code lenet5bn}. */
  static Model kiln(String net) {
    return switch (net) {
      case "mlp" -> new Kiln_Mlp();
      case "lenet5" -> new Kiln_LeNet5();
      case "lenet5bn" -> new Kiln_LeNet5Bn();
      default -> throw new IllegalArgumentException("no net named " + net);
    };
  }
}
