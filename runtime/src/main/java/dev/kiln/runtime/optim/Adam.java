package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.List;

/**
 * Adam (Kingma and Ba 2015), exactly PyTorch's {@code torch.optim.Adam}: a momentum of the gradient divided by the
 * root of a running mean of its square, both bias-corrected for their zero start. Per element, at step {@code t}:
 *
 * <pre>
 *   g = g + weightDecay * w                           (coupled L2; see {@link AdamW} for the decoupled form)
 *   m = beta1 * m + (1 - beta1) * g                   slot exp_avg
 *   v = beta2 * v + (1 - beta2) * g^2                 slot exp_avg_sq
 *   vMax = max(vMax, v)                               slot max_exp_avg_sq, with amsgrad only
 *   w = w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * {@code eps} is added outside the root and after the bias correction, where PyTorch adds it, which matters in the
 * first steps when {@code v} is tiny.
 */
public class Adam extends Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final boolean amsgrad;
  private final boolean decoupled;
  private final float[][] expAvg;
  private final float[][] expAvgSq;
  private final float[][] maxExpAvgSq;

  /** PyTorch's defaults: betas (0.9, 0.999), {@code eps = 1e-8}, no weight decay. */
  public Adam(List<Parameter> parameters, double learningRate) {
    this(parameters, learningRate, 0.9, 0.999, 1e-8, 0, false);
  }

  /**
   * @param beta1 decay of the gradient average, in [0, 1)
   * @param beta2 decay of the squared-gradient average, in [0, 1)
   * @param eps added to the corrected root (outside it), non-negative
   * @param weightDecay L2 coefficient added to the gradient
   * @param amsgrad whether to divide by the largest second moment seen so far (Reddi et al. 2018)
   */
  public Adam(
      List<Parameter> parameters,
      double learningRate,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean amsgrad) {
    this(parameters, learningRate, beta1, beta2, eps, weightDecay, amsgrad, false);
  }

  Adam(
      List<Parameter> parameters,
      double learningRate,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean amsgrad,
      boolean decoupled) {
    super(
        parameters,
        learningRate,
        amsgrad ? List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq") : List.of("exp_avg", "exp_avg_sq"));
    this.beta1 = unitInterval("beta1", beta1);
    this.beta2 = unitInterval("beta2", beta2);
    this.eps = nonNegative("eps", eps);
    this.weightDecay = nonNegative("weight decay", weightDecay);
    this.amsgrad = amsgrad;
    this.decoupled = decoupled;
    this.expAvg = slot(0);
    this.expAvgSq = slot(1);
    this.maxExpAvgSq = amsgrad ? slot(2) : null;
  }

  public double beta1() {
    return beta1;
  }

  public double beta2() {
    return beta2;
  }

  public double eps() {
    return eps;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public boolean amsgrad() {
    return amsgrad;
  }

  @Override
  protected final void update(int index, float[] value, float[] grad, double lr, long step, int from, int to) {
    float[] m = expAvg[index];
    float[] v = expAvgSq[index];
    float[] vMax = maxExpAvgSq == null ? null : maxExpAvgSq[index];
    double stepSize = lr / (1 - Math.pow(beta1, step));
    double correction2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
    // AdamW shrinks the weight itself, before and apart from the adaptive step; Adam folds decay into the gradient
    double shrink = decoupled ? 1 - lr * weightDecay : 1;
    double coupled = decoupled ? 0 : weightDecay;
    if (vMax == null) {
      // The common case in float, as PyTorch computes on float32 tensors: every array is indexed by j from 0 and
      // there is no branch, so C2 vectorises the loop, square root and division included. The optimizer used to be
      // most of a small network's training step.
      float b1 = (float) beta1;
      float b2 = (float) beta2;
      float c1 = (float) (1 - beta1);
      float c2 = (float) (1 - beta2);
      float stepF = (float) stepSize;
      float inverseCorrection2 = (float) (1 / correction2Sqrt);
      float epsF = (float) eps;
      float shrinkF = (float) shrink;
      float coupledF = (float) coupled;
      for (int j = from; j < to; j++) {
        float g = grad[j] + coupledF * value[j];
        float mj = b1 * m[j] + c1 * g;
        float vj = b2 * v[j] + c2 * g * g;
        m[j] = mj;
        v[j] = vj;
        value[j] = value[j] * shrinkF - stepF * mj / ((float) Math.sqrt(vj) * inverseCorrection2 + epsF);
      }
      return;
    }
    for (int j = from; j < to; j++) {
      double w = value[j] * shrink;
      double g = grad[j] + coupled * value[j];
      double mj = beta1 * m[j] + (1 - beta1) * g;
      double vj = beta2 * v[j] + (1 - beta2) * g * g;
      m[j] = (float) mj;
      v[j] = (float) vj;
      if (vMax != null) {
        vj = Math.max(vMax[j], vj);
        vMax[j] = (float) vj;
      }
      value[j] = (float) (w - stepSize * mj / (Math.sqrt(vj) / correction2Sqrt + eps));
    }
  }

  @Override
  protected String hyperParameters() {
    return "betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weightDecay=" + weightDecay + ", amsgrad="
        + amsgrad;
  }
}
