package dev.kiln.benchmarks;

import java.util.SplittableRandom;

/**
 * The data every benchmark feeds its net: fixed pseudo-random pixels in [0, 1) (the reference nets take raw pixels
 * divided by 255) and labels in 0..9; the same seed gives every library the same numbers. The peers' timings do not
 * depend on the values. Kiln's do in one way: its kernels skip exact zeros (inputs of a Dense layer, gradients after
 * a ReLU), and these pixels have none, where a real Fashion-MNIST image is about half background zeros. So Kiln's
 * first layer does all of its work here, and the figures are Kiln's less favourable case.
 */
public final class Inputs {
  /** Values in one 1x28x28 image. */
  public static final int IMAGE = 28 * 28;
  /** Classes of both reference nets. */
  public static final int CLASSES = 10;

  private static final long SEED = 20_240_601L;

  private Inputs() {}

  /** {@code batch} images, batch-major (NCHW with C = 1). */
  public static float[] pixels(int batch) {
    SplittableRandom random = new SplittableRandom(SEED);
    float[] x = new float[batch * IMAGE];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble();
    }
    return x;
  }

  /**
   * {@code count} requests of one image each for the cold-start benchmarks, in turn the benchmark's pixels (no zeros)
   * and an image-like one: a zero background with a random 16 x 20 patch in [0, 1) off centre, as Fashion-MNIST's
   * garments sit on black. Made differently from {@code WarmUp}'s inputs, so a warm-up does not see the requests.
   */
  public static float[][] requests(int count) {
    SplittableRandom random = new SplittableRandom(SEED + 2);
    float[][] requests = new float[count][IMAGE];
    for (int r = 0; r < count; r++) {
      float[] x = requests[r];
      boolean image = r % 2 == 1;
      int top = 2 + random.nextInt(8);
      int left = 2 + random.nextInt(10);
      for (int i = 0; i < IMAGE; i++) {
        int row = i / 28;
        int col = i % 28;
        boolean inPatch = row >= top && row < top + 20 && col >= left && col < left + 16;
        x[i] = !image || inPatch ? (float) random.nextDouble() : 0f;
      }
    }
    return requests;
  }

  /** {@code batch} labels in 0..9. */
  public static int[] labels(int batch) {
    SplittableRandom random = new SplittableRandom(SEED + 1);
    int[] y = new int[batch];
    for (int i = 0; i < batch; i++) {
      y[i] = random.nextInt(CLASSES);
    }
    return y;
  }

  /** The labels as one-hot rows, batch-major. */
  public static float[] oneHot(int[] labels) {
    float[] y = new float[labels.length * CLASSES];
    for (int i = 0; i < labels.length; i++) {
      y[i * CLASSES + labels[i]] = 1f;
    }
    return y;
  }

  /** Values {@code [from, from + count)} of {@code x} as a new array. */
  public static float[] slice(float[] x, int from, int count) {
    float[] part = new float[count];
    System.arraycopy(x, from, part, 0, count);
    return part;
  }

  /** The reference nets by the names the {@code net} parameter takes. */
  public static boolean isLeNet5(String net) {
    return switch (net) {
      case "lenet5" -> true;
      case "mlp" -> false;
      default -> throw new IllegalArgumentException("net must be mlp or lenet5: " + net);
    };
  }
}
