package dev.kiln.runtime.loss;

/**
 * Kullback-Leibler divergence {@code KL(t || q)}, PyTorch's {@code F.kl_div(input, target, reduction='batchmean')}
 * with its conventions: the prediction is the model's <em>log</em>-probabilities {@code x = log q} (a log-softmax
 * output), the target holds probabilities {@code t} (or log-probabilities with {@code logTarget}). Per element
 * {@code t (log t - x)}, with 0 where {@code t = 0} (PyTorch's {@code xlogy}); summed and divided by the batch, the
 * reduction that gives the true divergence per sample (PyTorch's {@code 'mean'} would also divide by the width).
 * Gradient: {@code -t / batch}.
 */
public final class KLDivergence implements Loss {
  private final boolean logTarget;

  /** Targets as probabilities (PyTorch's default {@code log_target=False}). */
  public KLDivergence() {
    this(false);
  }

  /** @param logTarget whether the target holds log-probabilities (PyTorch's {@code log_target}) */
  public KLDivergence(boolean logTarget) {
    this.logTarget = logTarget;
  }

  public boolean logTarget() {
    return logTarget;
  }

  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    int n = Checks.sizes(prediction, target, batch, width, gradPrediction);
    double invBatch = 1.0 / batch;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double x = prediction[i];
      double t;
      if (logTarget) {
        t = Math.exp(target[i]);
        sum += t * (target[i] - x);
      } else {
        t = target[i];
        if (t != 0) {
          sum += t * (Math.log(t) - x);
        }
      }
      gradPrediction[i] = (float) (-t * invBatch);
    }
    return (float) (sum * invBatch);
  }

  @Override
  public String toString() {
    return "KLDivergence(batchmean" + (logTarget ? ", logTarget)" : ")");
  }
}
