package dev.kiln.runtime.optim;

import dev.kiln.runtime.Parameter;
import java.util.List;

/**
 * Gradient clipping, PyTorch's {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}: a guard against
 * the occasional huge gradient (exploding recurrent gradients, a bad batch) that would otherwise throw the weights
 * far off in one step. Call it after the backward pass and any penalties, before {@link Optimizer#step()}.
 *
 * <p>Clipping by norm rescales all gradients together, preserving the update's direction; clipping by value clamps
 * each element, which changes the direction but is cheaper and bounds every coordinate. Both also accept raw
 * gradient arrays, such as a {@code Workspace}'s private gradients before they are reduced.
 */
public final class GradientClipping {
  /** Added to the norm before dividing, as PyTorch does, so a zero gradient does not divide by zero. */
  private static final double NORM_EPS = 1e-6;

  private GradientClipping() {}

  /** The global L2 norm of all gradients, as if concatenated into one vector. */
  public static double globalNorm(List<Parameter> parameters) {
    return globalNorm(gradients(parameters), 2);
  }

  /**
   * The global {@code normType}-norm of all gradients: {@code (sum |g|^p)^(1/p)}, or the largest {@code |g|} for
   * {@code Double.POSITIVE_INFINITY}.
   */
  public static double globalNorm(float[][] gradients, double normType) {
    checkNormType(normType);
    if (normType == Double.POSITIVE_INFINITY) {
      double max = 0;
      for (float[] g : gradients) {
        for (float x : g) {
          double a = Math.abs(x);
          if (!(a <= max)) { // also takes a NaN, which must not vanish from the norm
            max = a;
          }
        }
      }
      return max;
    }
    double sum = 0;
    for (float[] g : gradients) {
      for (float x : g) {
        double a = Math.abs(x);
        sum += normType == 2 ? a * a : normType == 1 ? a : Math.pow(a, normType);
      }
    }
    return normType == 2 ? Math.sqrt(sum) : normType == 1 ? sum : Math.pow(sum, 1 / normType);
  }

  /**
   * Scales all gradients by {@code min(1, maxNorm / (norm + 1e-6))} where {@code norm} is their global L2 norm, so
   * that it does not exceed {@code maxNorm}.
   *
   * @return the global norm before clipping, worth logging: a norm that keeps hitting the limit means a too-high rate
   */
  public static double clipByNorm(List<Parameter> parameters, double maxNorm) {
    return clipByNorm(gradients(parameters), maxNorm, 2);
  }

  /** As {@link #clipByNorm(List, double)} with another norm ({@code Double.POSITIVE_INFINITY} for the max norm). */
  public static double clipByNorm(List<Parameter> parameters, double maxNorm, double normType) {
    return clipByNorm(gradients(parameters), maxNorm, normType);
  }

  /**
   * As {@link #clipByNorm(List, double, double)} on raw gradient arrays. Like PyTorch without
   * {@code error_if_nonfinite}, a non-finite norm is returned as is and the gradients are scaled by the resulting
   * factor (0 for an infinite norm, NaN for a NaN one), which makes the problem visible rather than hiding it.
   */
  public static double clipByNorm(float[][] gradients, double maxNorm, double normType) {
    if (!(maxNorm >= 0)) {
      throw new IllegalArgumentException("maxNorm must be non-negative: " + maxNorm);
    }
    double norm = globalNorm(gradients, normType);
    double coef = maxNorm / (norm + NORM_EPS);
    if (coef < 1 || Double.isNaN(coef)) { // PyTorch clamps the factor at 1: gradients below the limit are untouched
      for (float[] g : gradients) {
        for (int j = 0; j < g.length; j++) {
          g[j] = (float) (g[j] * coef);
        }
      }
    }
    return norm;
  }

  /** Clamps every gradient element into {@code [-clipValue, clipValue]}; NaN stays NaN, as in PyTorch. */
  public static void clipByValue(List<Parameter> parameters, double clipValue) {
    clipByValue(gradients(parameters), clipValue);
  }

  /** As {@link #clipByValue(List, double)} on raw gradient arrays. */
  public static void clipByValue(float[][] gradients, double clipValue) {
    if (!(clipValue >= 0)) {
      throw new IllegalArgumentException("clipValue must be non-negative: " + clipValue);
    }
    float hi = (float) clipValue;
    float lo = -hi;
    for (float[] g : gradients) {
      for (int j = 0; j < g.length; j++) {
        float x = g[j];
        if (x > hi) {
          g[j] = hi;
        } else if (x < lo) {
          g[j] = lo;
        }
      }
    }
  }

  private static float[][] gradients(List<Parameter> parameters) {
    float[][] out = new float[parameters.size()][];
    for (int i = 0; i < out.length; i++) {
      Parameter p = parameters.get(i);
      out[i] = p.grad();
      if (out[i] == null) {
        throw new IllegalArgumentException(p.name() + " is a buffer and has no gradient: pass model.parameters()");
      }
    }
    return out;
  }

  private static void checkNormType(double normType) {
    if (!(normType > 0)) {
      throw new IllegalArgumentException("norm type must be positive (or infinite): " + normType);
    }
  }
}
