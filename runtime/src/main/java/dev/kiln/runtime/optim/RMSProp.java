package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * RMSProp, exactly PyTorch's {@code torch.optim.RMSprop}: divides each gradient by a running root mean square of
 * recent gradients, so every weight moves at a similar pace whatever its gradient's scale. Per element:
 *
 * <pre>
 *   g = g + weightDecay * w
 *   s = alpha * s + (1 - alpha) * g^2                          slot square_avg
 *   a = alpha * a + (1 - alpha) * g;  avg = sqrt(s - a^2) + eps  if centered (slot grad_avg)
 *   avg = sqrt(s) + eps                                        otherwise: eps outside the root, as PyTorch
 *   b = momentum * b + g / avg;  w = w - lr * b                if momentum > 0 (slot momentum_buffer)
 *   w = w - lr * g / avg                                       otherwise
 * </pre>
 *
 * All buffers start at zero, so early steps are large (there is no bias correction, as in PyTorch).
 */
public final class RMSProp extends Optimizer {
  private final double alpha;
  private final double eps;
  private final double weightDecay;
  private final double momentum;
  private final boolean centered;
  private final float[][] squareAvg;
  private final float[][] momentumBuffer;
  private final float[][] gradAvg;

  /** PyTorch's defaults: {@code alpha = 0.99}, {@code eps = 1e-8}, no decay, momentum or centering. */
  public RMSProp(List<Parameter> parameters, double learningRate) {
    this(parameters, learningRate, 0.99, 1e-8, 0, 0, false);
  }

  /**
   * @param alpha smoothing constant of the squared-gradient average, in [0, 1)
   * @param eps added to the root mean square (outside the root), non-negative
   * @param weightDecay L2 coefficient added to the gradient
   * @param momentum momentum of the scaled step, in [0, 1); 0 for none
   * @param centered whether to divide by the variance estimate (mean square minus squared mean) instead
   */
  public RMSProp(
      List<Parameter> parameters,
      double learningRate,
      double alpha,
      double eps,
      double weightDecay,
      double momentum,
      boolean centered) {
    super(parameters, learningRate, slots(momentum, centered));
    this.alpha = unitInterval("alpha", alpha);
    this.eps = nonNegative("eps", eps);
    this.weightDecay = nonNegative("weight decay", weightDecay);
    this.momentum = unitInterval("momentum", momentum);
    this.centered = centered;
    int s = 0;
    this.squareAvg = slot(s++);
    this.momentumBuffer = momentum > 0 ? slot(s++) : null;
    this.gradAvg = centered ? slot(s) : null;
  }

  private static List<String> slots(double momentum, boolean centered) {
    List<String> slots = new ArrayList<>(List.of("square_avg"));
    if (momentum > 0) {
      slots.add("momentum_buffer");
    }
    if (centered) {
      slots.add("grad_avg");
    }
    return slots;
  }

  public double alpha() {
    return alpha;
  }

  public double eps() {
    return eps;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public double momentum() {
    return momentum;
  }

  public boolean centered() {
    return centered;
  }

  @Override
  protected void update(int index, float[] value, float[] grad, double lr, long step, int from, int to) {
    float[] sq = squareAvg[index];
    float[] mb = momentumBuffer == null ? null : momentumBuffer[index];
    float[] ga = gradAvg == null ? null : gradAvg[index];
    for (int j = from; j < to; j++) {
      double w = value[j];
      double g = grad[j] + weightDecay * w;
      double s = alpha * sq[j] + (1 - alpha) * g * g;
      sq[j] = (float) s;
      double avg;
      if (ga != null) {
        double a = alpha * ga[j] + (1 - alpha) * g;
        ga[j] = (float) a;
        // s >= a^2 in exact arithmetic; the floor keeps float rounding from making a NaN
        avg = Math.sqrt(Math.max(s - a * a, 0)) + eps;
      } else {
        avg = Math.sqrt(s) + eps;
      }
      if (mb != null) {
        double b = momentum * mb[j] + g / avg;
        mb[j] = (float) b;
        value[j] = (float) (w - lr * b);
      } else {
        value[j] = (float) (w - lr * g / avg);
      }
    }
  }

  @Override
  protected String hyperParameters() {
    return "alpha=" + alpha + ", eps=" + eps + ", weightDecay=" + weightDecay + ", momentum=" + momentum
        + ", centered=" + centered;
  }
}
