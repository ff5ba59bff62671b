package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and (coupled) weight decay,
 * exactly PyTorch's {@code torch.optim.SGD}. Per element, with gradient {@code g} and parameter {@code w}:
 *
 * <pre>
 *   g = g + weightDecay * w
 *   v = g                                     on the first step (no dampening: PyTorch clones g)
 *   v = momentum * v + (1 - dampening) * g    after
 *   g = nesterov ? g + momentum * v : v       (when momentum != 0)
 *   w = w - lr * g
 * </pre>
 *
 * <p>PyTorch's momentum is thus {@code v = m v + g}, whose steady-state step is {@code lr / (1 - m)} times the
 * gradient; setting {@code dampening = momentum} gives the exponential moving average {@code v = m v + (1 - m) g}
 * used by other frameworks (apart from the first step, which PyTorch never dampens). The momentum buffer is the
 * state slot {@code momentum_buffer}, present only when momentum is non-zero.
 */
public final class SGD extends Optimizer {
  private final double momentum;
  private final double dampening;
  private final double weightDecay;
  private final boolean nesterov;
  private final float[][] buffers;

  /** Plain SGD: {@code w -= lr * g}. */
  public SGD(List<Parameter> parameters, double learningRate) {
    this(parameters, learningRate, 0, 0, 0, false);
  }

  /** SGD with PyTorch's momentum {@code v = momentum * v + g}. */
  public SGD(List<Parameter> parameters, double learningRate, double momentum) {
    this(parameters, learningRate, momentum, 0, 0, false);
  }

  /**
   * @param momentum in [0, 1); 0 disables the buffer
   * @param dampening in [0, 1]: the fraction of the gradient left out of the buffer; {@code momentum} gives the EMA
   * @param weightDecay L2 coefficient added to the gradient, non-negative
   * @param nesterov Nesterov momentum; needs {@code momentum > 0} and {@code dampening == 0}, as in PyTorch
   */
  public SGD(
      List<Parameter> parameters,
      double learningRate,
      double momentum,
      double dampening,
      double weightDecay,
      boolean nesterov) {
    super(parameters, learningRate, momentum != 0 ? List.of("momentum_buffer") : List.of());
    this.momentum = unitInterval("momentum", momentum);
    if (!(dampening >= 0 && dampening <= 1)) {
      throw new IllegalArgumentException("dampening must be in [0, 1]: " + dampening);
    }
    this.dampening = dampening;
    this.weightDecay = nonNegative("weight decay", weightDecay);
    if (nesterov && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
    }
    this.nesterov = nesterov;
    this.buffers = momentum != 0 ? slot(0) : null;
  }

  public double momentum() {
    return momentum;
  }

  public double dampening() {
    return dampening;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public boolean nesterov() {
    return nesterov;
  }

  @Override
  protected void update(int index, float[] value, float[] grad, double lr, long step, int from, int to) {
    float[] buf = buffers == null ? null : buffers[index];
    boolean first = step == 1;
    for (int j = from; j < to; j++) {
      double w = value[j];
      double g = grad[j] + weightDecay * w;
      if (buf != null) {
        double v = first ? g : momentum * buf[j] + (1 - dampening) * g;
        buf[j] = (float) v;
        g = nesterov ? g + momentum * v : v;
      }
      value[j] = (float) (w - lr * g);
    }
  }

  @Override
  protected String hyperParameters() {
    return "momentum=" + momentum + ", dampening=" + dampening + ", weightDecay=" + weightDecay + ", nesterov="
        + nesterov;
  }
}
