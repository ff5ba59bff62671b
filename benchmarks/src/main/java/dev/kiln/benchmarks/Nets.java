package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.samples.Kiln_LeNet5;
import dev.kiln.samples.Kiln_Mlp;

/** Kiln's generated reference nets, by the names the {@code net} parameter takes. */
final class Nets {
  private Nets() {}

  /** A fresh network with the weights of its {@code @Network} seed. */
  static Model kiln(String net) {
    return Inputs.isLeNet5(net) ? new Kiln_LeNet5() : new Kiln_Mlp();
  }
}
