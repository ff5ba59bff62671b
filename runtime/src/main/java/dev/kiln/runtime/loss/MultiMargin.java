package dev.kiln.runtime.loss;

/**
 * Multi-class margin (hinge) loss, PyTorch's {@code F.multi_margin_loss(p, margin)} with {@code reduction='mean'}: for
 * a sample with class {@code y} and scores {@code x}, {@code sum_{i != y} max(0, margin - x_y + x_i)^p / width},
 * averaged over the batch. It asks the true class to beat every other by {@code margin} and is indifferent once it
 * does, unlike cross-entropy which always pushes. Targets: class indices or one-hot rows (the row's largest value
 * names the class).
 */
public final class MultiMargin implements ClassLoss {
  private final int p;
  private final double margin;

  /** PyTorch's defaults: {@code p = 1}, {@code margin = 1}. */
  public MultiMargin() {
    this(1, 1.0);
  }

  /**
   * @param p 1 (hinge) or 2 (squared hinge), as PyTorch allows
   * @param margin by how much the true class should win
   */
  public MultiMargin(int p, double margin) {
    if (p != 1 && p != 2) {
      throw new IllegalArgumentException("p must be 1 or 2, as in PyTorch: " + p);
    }
    this.p = p;
    this.margin = margin;
  }

  public int p() {
    return p;
  }

  public double margin() {
    return margin;
  }

  @Override
  public float compute(float[] prediction, float[] target, int batch, int width, float[] gradPrediction) {
    Checks.sizes(prediction, target, batch, width, gradPrediction);
    double sum = 0;
    for (int b = 0; b < batch; b++) {
      sum += row(prediction, b, Checks.argmax(target, b, width), batch, width, gradPrediction);
    }
    return (float) (sum / ((double) batch * width));
  }

  @Override
  public float compute(float[] prediction, int[] labels, int batch, int width, float[] gradPrediction) {
    Checks.sizes(prediction, labels, batch, width, gradPrediction);
    double sum = 0;
    for (int b = 0; b < batch; b++) {
      sum += row(prediction, b, labels[b], batch, width, gradPrediction);
    }
    return (float) (sum / ((double) batch * width));
  }

  /** Writes row {@code b}'s gradient and returns its unnormalised loss (the sum over classes). */
  private double row(float[] x, int b, int y, int batch, int width, float[] grad) {
    int base = b * width;
    double scale = 1.0 / ((double) batch * width);
    double xy = x[base + y];
    double sum = 0;
    double gy = 0;
    for (int i = 0; i < width; i++) {
      if (i == y) {
        continue;
      }
      double z = margin - xy + x[base + i];
      if (z > 0) { // PyTorch's kernel: only strictly violated margins contribute a gradient
        double g = p == 1 ? scale : 2 * z * scale;
        sum += p == 1 ? z : z * z;
        grad[base + i] = (float) g;
        gy -= g;
      } else {
        grad[base + i] = 0f;
      }
    }
    grad[base + y] = (float) gy;
    return sum;
  }

  @Override
  public String toString() {
    return "MultiMargin(p=" + p + ", margin=" + margin + ")";
  }
}
