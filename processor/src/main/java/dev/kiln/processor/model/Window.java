package dev.kiln.processor.model;

/**
 * A 2-D sliding window: kernel, stride, padding and dilation per axis, and the output-size rule
 * {@code floor((in + 2p - d(k-1) - 1) / s) + 1} that convolution and pooling share.
 */
public record Window(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
  public Window {
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || dh < 1 || dw < 1) {
      throw new IllegalArgumentException("invalid window " + kh + "x" + kw);
    }
  }

  /** Output length along one axis; may be below 1 when the window does not fit (validators check first). */
  public static int outputLength(int in, int k, int s, int p, int d) {
    return Math.floorDiv(in + 2 * p - d * (k - 1) - 1, s) + 1;
  }

  public int outputHeight(int in) {
    return outputLength(in, kh, sh, ph, dh);
  }

  public int outputWidth(int in) {
    return outputLength(in, kw, sw, pw, dw);
  }

  /** A 2x2 window moved by 2 without padding or dilation: the most common pooling, which has kernels of its own. */
  public boolean isPlainTwoByTwo() {
    return kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1;
  }

  /** Kernel extent once dilated: {@code d(k-1) + 1}. */
  public int effectiveHeight() {
    return dh * (kh - 1) + 1;
  }

  public int effectiveWidth() {
    return dw * (kw - 1) + 1;
  }

  /** {@code 5x5}, {@code 3x2 stride 2 pad 1 dil 2}: only what differs from the defaults. */
  public String describe() {
    StringBuilder sb = new StringBuilder(pair(kh, kw));
    if (sh != 1 || sw != 1) {
      sb.append(" stride ").append(pair(sh, sw));
    }
    if (ph != 0 || pw != 0) {
      sb.append(" pad ").append(pair(ph, pw));
    }
    if (dh != 1 || dw != 1) {
      sb.append(" dil ").append(pair(dh, dw));
    }
    return sb.toString();
  }

  private static String pair(int a, int b) {
    return a == b ? Integer.toString(a) : a + "x" + b;
  }
}
