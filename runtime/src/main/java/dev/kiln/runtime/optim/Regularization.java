package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.List;
import java.util.function.Predicate;

/**
 * L1 and L2 weight penalties applied as gradient terms: each method adds the penalty's gradient to the parameters'
 * {@link Parameter#grad()} (call it after the backward pass, before clipping and the step) and returns the penalty's
 * value, to add to the data loss when reporting the total objective. Keeping the penalty out of the network's
 * graph means any optimizer can be combined with either; for plain L2 with SGD, the optimizer's own
 * {@code weightDecay} does the same and is cheaper.
 *
 * <p>Conventions: L1 is {@code lambda * sum |w|} with gradient {@code lambda * sign(w)} (0 at 0, PyTorch's
 * {@code sign}); L2 is {@code lambda / 2 * sum w^2} with gradient {@code lambda * w}, so that {@code lambda} means the
 * same as an optimizer's {@code weightDecay}. The predicate forms choose which tensors are penalised; penalising
 * biases and normalisation scales is usually unwanted, hence {@link #weightsOnly()}.
 */
public final class Regularization {
  private Regularization() {}

  /** Selects the {@link Parameter.Kind#WEIGHT} tensors: no biases, no normalisation scales. */
  public static Predicate<Parameter> weightsOnly() {
    return p -> p.kind() == Parameter.Kind.WEIGHT;
  }

  /** Adds {@code lambda * sign(w)} to every parameter's gradient; returns {@code lambda * sum |w|}. */
  public static double addL1(List<Parameter> parameters, double lambda) {
    return addL1(parameters, lambda, p -> true);
  }

  /** Adds {@code lambda * sign(w)} to the gradients of the selected parameters; returns their L1 penalty. */
  public static double addL1(List<Parameter> parameters, double lambda, Predicate<Parameter> which) {
    checkLambda(lambda);
    double sum = 0;
    float l = (float) lambda;
    for (Parameter p : parameters) {
      if (!which.test(p)) {
        continue;
      }
      float[] w = p.value();
      float[] g = gradOf(p);
      for (int j = 0; j < w.length; j++) {
        sum += Math.abs(w[j]);
        g[j] += w[j] > 0 ? l : w[j] < 0 ? -l : 0f;
      }
    }
    return lambda * sum;
  }

  /** Adds {@code lambda * w} to every parameter's gradient; returns {@code lambda / 2 * sum w^2}. */
  public static double addL2(List<Parameter> parameters, double lambda) {
    return addL2(parameters, lambda, p -> true);
  }

  /** Adds {@code lambda * w} to the gradients of the selected parameters; returns their L2 penalty. */
  public static double addL2(List<Parameter> parameters, double lambda, Predicate<Parameter> which) {
    checkLambda(lambda);
    double sum = 0;
    for (Parameter p : parameters) {
      if (!which.test(p)) {
        continue;
      }
      float[] w = p.value();
      float[] g = gradOf(p);
      for (int j = 0; j < w.length; j++) {
        double wj = w[j];
        sum += wj * wj;
        g[j] = (float) (g[j] + lambda * wj);
      }
    }
    return 0.5 * lambda * sum;
  }

  /** The L1 penalty {@code lambda * sum |w|} of the selected parameters, without touching gradients. */
  public static double l1Penalty(List<Parameter> parameters, double lambda, Predicate<Parameter> which) {
    checkLambda(lambda);
    double sum = 0;
    for (Parameter p : parameters) {
      if (which.test(p)) {
        for (float w : p.value()) {
          sum += Math.abs(w);
        }
      }
    }
    return lambda * sum;
  }

  /** The L2 penalty {@code lambda / 2 * sum w^2} of the selected parameters, without touching gradients. */
  public static double l2Penalty(List<Parameter> parameters, double lambda, Predicate<Parameter> which) {
    checkLambda(lambda);
    double sum = 0;
    for (Parameter p : parameters) {
      if (which.test(p)) {
        for (float w : p.value()) {
          sum += (double) w * w;
        }
      }
    }
    return 0.5 * lambda * sum;
  }

  private static float[] gradOf(Parameter p) {
    float[] g = p.grad();
    if (g == null) {
      throw new IllegalArgumentException(p.name() + " is a buffer and has no gradient: pass model.parameters()");
    }
    return g;
  }

  private static void checkLambda(double lambda) {
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("penalty coefficient must be finite and non-negative: " + lambda);
    }
  }
}
