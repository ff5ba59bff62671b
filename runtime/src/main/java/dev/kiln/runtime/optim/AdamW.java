package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter 2019), exactly PyTorch's {@code torch.optim.AdamW}: {@link Adam} with decoupled
 * weight decay. Each step first shrinks the weight, {@code w = w * (1 - lr * weightDecay)}, then takes Adam's step on
 * the raw gradient. Unlike Adam's coupled L2 term, the decay is then not divided by the adaptive denominator, so
 * every weight decays at the same rate, which is what makes weight decay regularise as intended with Adam.
 */
public final class AdamW extends Adam {
  /** PyTorch's defaults: betas (0.9, 0.999), {@code eps = 1e-8}, {@code weightDecay = 0.01}. */
  public AdamW(List<Parameter> parameters, double learningRate) {
    this(parameters, learningRate, 0.9, 0.999, 1e-8, 0.01, false);
  }

  /** As {@link Adam}'s, with {@code weightDecay} decoupled. */
  public AdamW(
      List<Parameter> parameters,
      double learningRate,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean amsgrad) {
    super(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, true);
  }
}
