package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import org.junit.jupiter.api.Test;

/**
 * Max pooling's choice of winner, which the generated kernels make without data-dependent branches: it must still be
 * PyTorch's rule, {@code v > best || isnan(v)} over the taps in order, so that among equal values the first wins and
 * among NaNs the last. The winner is where backward sends the gradient; training and inference give the same values.
 */
class MaxPoolRuleTest {
  private static final float NAN = Float.NaN;

  /** One 2x2 window per case, taps in row-major order, and the index of the tap PyTorch picks. */
  private static final float[][] WINDOWS = {
      {1f, 3f, 2f, 0f},         // a plain maximum
      {5f, 5f, 5f, 5f},         // all equal: the first
      {0f, 2f, 2f, 1f},         // tie for the maximum: the first of the two
      {-0f, 0f, -1f, -2f},      // -0 and +0 are equal: the first
      {1f, NAN, 7f, 2f},        // a NaN wins over a later larger value
      {NAN, 1f, NAN, 3f},       // two NaNs: the last
      {-3f, -1f, -2f, -1f},     // all negative, tie: the first
      {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY},
  };
  private static final int[] WINNER = {1, 0, 1, 0, 1, 2, 1, 0};

  @Test
  void winnerIsTheFirstMaximumOrTheLastNanAndReceivesTheGradient() {
    int n = WINDOWS.length;
    // Each sample is one 2x2 image; its single output is the window's maximum.
    Model model = TestNetworks.oneLayer("{1, 2, 2}", "", "@Pool(size = 2) PoolLayer pool();");
    float[] x = new float[n * 4];
    for (int s = 0; s < n; s++) {
      System.arraycopy(WINDOWS[s], 0, x, s * 4, 4);
    }
    Workspace ws = model.newWorkspace(n);
    model.train();
    float[] y = model.forward(ws, x, n).clone();
    float[] g = new float[n];
    for (int s = 0; s < n; s++) {
      g[s] = s + 1;
    }
    float[] gx = model.backward(ws, g);
    model.eval();
    float[] inferred = model.forward(ws, x, n);
    for (int s = 0; s < n; s++) {
      float expected = WINDOWS[s][WINNER[s]];
      // Compared as floats compare: -0 equals +0 (Math.max returns +0 for the pair), NaN equals NaN here.
      assertWithMessage("output of window %s: %s", s, y[s])
          .that(Float.isNaN(expected) ? Float.isNaN(y[s]) : y[s] == expected).isTrue();
      assertWithMessage("inference output of window %s: %s", s, inferred[s])
          .that(Float.isNaN(expected) ? Float.isNaN(inferred[s]) : inferred[s] == expected).isTrue();
      for (int t = 0; t < 4; t++) {
        assertWithMessage("gradient of tap %s of window %s", t, s).that(gx[s * 4 + t])
            .isEqualTo(t == WINNER[s] ? g[s] : 0f);
      }
    }
  }

  /**
   * Many windows of an image whose size the windows do not divide (the last row and column are left out), values
   * drawn from a small set so that ties, signed zeros and NaNs are common: the winner of each window, by PyTorch's
   * rule written out here as a plain search, receives the gradient.
   */
  @Test
  void everyWindowOfALargerImageSendsItsGradientToPyTorchsWinner() {
    int channels = 3;
    int h = 5;
    int w = 7;
    int batch = 4;
    Model model = TestNetworks.oneLayer("{3, 5, 7}", "", "@Pool(size = 2) PoolLayer pool();");
    float[] pool = {0f, -0f, 1f, 2f, -1f, NAN, 2f, 1f};
    java.util.Random random = new java.util.Random(7);
    float[] x = new float[batch * channels * h * w];
    for (int i = 0; i < x.length; i++) {
      x[i] = pool[random.nextInt(random.nextInt(10) == 0 ? pool.length : pool.length - 2)];
    }
    int oh = h / 2;
    int ow = w / 2;
    float[] g = new float[batch * channels * oh * ow];
    for (int i = 0; i < g.length; i++) {
      g[i] = i + 1;
    }
    Workspace ws = model.newWorkspace(batch);
    model.train();
    float[] y = model.forward(ws, x, batch).clone();
    float[] gx = model.backward(ws, g);
    float[] expectedGx = new float[x.length];
    for (int nc = 0; nc < batch * channels; nc++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int at = -1;
          float best = 0f;
          for (int kh = 0; kh < 2; kh++) {
            for (int kw = 0; kw < 2; kw++) {
              int xi = nc * h * w + (2 * i + kh) * w + 2 * j + kw;
              if (at < 0 || x[xi] > best || Float.isNaN(x[xi])) {
                best = x[xi];
                at = xi;
              }
            }
          }
          int yi = nc * oh * ow + i * ow + j;
          expectedGx[at] += g[yi];
          assertWithMessage("output %s", yi)
              .that(Float.isNaN(best) ? Float.isNaN(y[yi]) : y[yi] == best).isTrue();
        }
      }
    }
    for (int i = 0; i < x.length; i++) {
      assertWithMessage("input gradient %s", i).that(gx[i]).isEqualTo(expectedGx[i]);
    }
  }
}
