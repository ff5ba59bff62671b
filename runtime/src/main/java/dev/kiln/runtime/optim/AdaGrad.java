package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.Arrays;
import java.util.List;

/**
 * AdaGrad (Duchi et al. 2011), exactly PyTorch's {@code torch.optim.Adagrad}: divides each gradient by the root of
 * the sum of all its past squares, so rarely updated weights keep large steps and frequent ones slow down. Per
 * element, at step {@code t}:
 *
 * <pre>
 *   g = g + weightDecay * w
 *   s = s + g^2                                  slot sum, starting at initialAccumulatorValue
 *   w = w - lr / (1 + (t - 1) * lrDecay) * g / (sqrt(s) + eps)
 * </pre>
 */
public final class AdaGrad extends Optimizer {
  private final double lrDecay;
  private final double weightDecay;
  private final double eps;
  private final double initialAccumulatorValue;
  private final float[][] sums;

  /** PyTorch's defaults: no decay of rate or weights, accumulator from 0, {@code eps = 1e-10}. */
  public AdaGrad(List<Parameter> parameters, double learningRate) {
    this(parameters, learningRate, 0, 0, 0, 1e-10);
  }

  /**
   * @param lrDecay the rate at step t is {@code lr / (1 + (t - 1) * lrDecay)}
   * @param weightDecay L2 coefficient added to the gradient
   * @param initialAccumulatorValue where the sum of squares starts, non-negative
   * @param eps added to the root (outside it)
   */
  public AdaGrad(
      List<Parameter> parameters,
      double learningRate,
      double lrDecay,
      double weightDecay,
      double initialAccumulatorValue,
      double eps) {
    super(parameters, learningRate, List.of("sum"));
    this.lrDecay = nonNegative("lr decay", lrDecay);
    this.weightDecay = nonNegative("weight decay", weightDecay);
    this.initialAccumulatorValue = nonNegative("initial accumulator value", initialAccumulatorValue);
    this.eps = nonNegative("eps", eps);
    this.sums = slot(0);
    for (float[] s : sums) {
      Arrays.fill(s, (float) initialAccumulatorValue);
    }
  }

  public double lrDecay() {
    return lrDecay;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public double initialAccumulatorValue() {
    return initialAccumulatorValue;
  }

  public double eps() {
    return eps;
  }

  @Override
  protected void update(int index, float[] value, float[] grad, double lr, long step, int from, int to) {
    float[] sum = sums[index];
    double clr = lr / (1 + (step - 1) * lrDecay);
    for (int j = from; j < to; j++) {
      double w = value[j];
      double g = grad[j] + weightDecay * w;
      double s = sum[j] + g * g;
      sum[j] = (float) s;
      value[j] = (float) (w - clr * g / (Math.sqrt(s) + eps));
    }
  }

  @Override
  protected String hyperParameters() {
    return "lrDecay=" + lrDecay + ", weightDecay=" + weightDecay + ", initialAccumulatorValue="
        + initialAccumulatorValue + ", eps=" + eps;
  }
}
