package dev.kiln.runtime.loss;

/** Argument checks shared by the losses, so a wrong size fails with a clear message rather than a stray index. */
final class Checks {
  private Checks() {}

  /** Checks sizes of the float-target form and returns {@code batch * width}. */
  static int sizes(float[] prediction, float[] target, int batch, int width, float[] grad) {
    int n = count(batch, width);
    need("prediction", prediction, n, batch, width);
    need("target", target, n, batch, width);
    need("gradPrediction", grad, n, batch, width);
    return n;
  }

  /** Checks sizes and labels of the class-index form and returns {@code batch * width}. */
  static int sizes(float[] prediction, int[] labels, int batch, int width, float[] grad) {
    int n = count(batch, width);
    need("prediction", prediction, n, batch, width);
    need("gradPrediction", grad, n, batch, width);
    if (labels.length < batch) {
      throw new IllegalArgumentException("labels holds " + labels.length + " values; batch " + batch + " needs " + batch);
    }
    for (int b = 0; b < batch; b++) {
      if (labels[b] < 0 || labels[b] >= width) {
        throw new IllegalArgumentException("label " + labels[b] + " of sample " + b + " outside 0.." + (width - 1));
      }
    }
    return n;
  }

  private static int count(int batch, int width) {
    if (batch < 1 || width < 1) {
      throw new IllegalArgumentException("batch and width must be positive: batch " + batch + ", width " + width);
    }
    return Math.multiplyExact(batch, width);
  }

  private static void need(String what, float[] a, int n, int batch, int width) {
    if (a.length < n) {
      throw new IllegalArgumentException(
          what + " holds " + a.length + " values; batch " + batch + " of width " + width + " needs " + n);
    }
  }

  /** The index of the largest value of row {@code row}: the class of a one-hot row (first one on ties). */
  static int argmax(float[] a, int row, int width) {
    int base = row * width;
    int best = 0;
    for (int k = 1; k < width; k++) {
      if (a[base + k] > a[base + best]) {
        best = k;
      }
    }
    return best;
  }
}
