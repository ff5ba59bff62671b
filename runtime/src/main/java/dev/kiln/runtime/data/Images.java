package dev.kiln.runtime.data;

/**
 * Deterministic geometric operations on images stored channel-major ({@code CxHxW}, the layout of a batch row): the
 * building blocks of {@link Augmentations}, public so that a transform can be applied or checked with fixed
 * parameters. Each image starts at an offset into a larger array, so operations work directly inside a batch.
 *
 * <p>Coordinates: x grows to the right, y grows downward, and the centre of rotation and scaling is the centre of
 * the image, {@code ((w - 1) / 2, (h - 1) / 2)}.
 */
public final class Images {
  private Images() {}

  /** What a transform sees outside the image. */
  public enum Border {
    /** Zeros: black for [0, 1] images, the mean for standardised ones. */
    ZERO,
    /** The nearest edge pixel, repeated. */
    EDGE,
    /** The image mirrored at its edge, without repeating the edge pixel ({@code 2 1 | 0 1 2 | 1 0}). */
    REFLECT
  }

  /** Mirrors the image left to right, in place. */
  public static void flipHorizontal(float[] data, int offset, int channels, int height, int width) {
    for (int r = 0; r < channels * height; r++) {
      int row = offset + r * width;
      for (int i = 0, j = width - 1; i < j; i++, j--) {
        float t = data[row + i];
        data[row + i] = data[row + j];
        data[row + j] = t;
      }
    }
  }

  /** Mirrors the image top to bottom, in place. */
  public static void flipVertical(float[] data, int offset, int channels, int height, int width) {
    for (int c = 0; c < channels; c++) {
      int plane = offset + c * height * width;
      for (int i = 0, j = height - 1; i < j; i++, j--) {
        for (int x = 0; x < width; x++) {
          float t = data[plane + i * width + x];
          data[plane + i * width + x] = data[plane + j * width + x];
          data[plane + j * width + x] = t;
        }
      }
    }
  }

  /**
   * Moves the content {@code dx} pixels right and {@code dy} down: {@code dst(y, x) = src(y - dy, x - dx)}, with
   * {@code border} filling what moves in. {@code src} and {@code dst} must not overlap.
   */
  public static void translate(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height,
      int width, int dx, int dy, Border border) {
    for (int c = 0; c < channels; c++) {
      int sp = srcOffset + c * height * width;
      int dp = dstOffset + c * height * width;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          dst[dp + y * width + x] = pixel(src, sp, height, width, y - dy, x - dx, border);
        }
      }
    }
  }

  /**
   * Rotates the content counter-clockwise (as displayed) by {@code degrees} about the centre, sampling bilinearly.
   * {@code src} and {@code dst} must not overlap.
   */
  public static void rotate(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height,
      int width, double degrees, Border border) {
    double t = Math.toRadians(degrees);
    double cos = Math.cos(t);
    double sin = Math.sin(t);
    // Inverse map: the output pixel at (dx, dy) from the centre shows the input at R(-t) (dx, dy), y pointing down.
    affine(src, srcOffset, dst, dstOffset, channels, height, width, cos, -sin, sin, cos, border);
  }

  /**
   * Scales the content by {@code factor} about the centre ({@code > 1} zooms in, {@code < 1} shrinks it), sampling
   * bilinearly. {@code src} and {@code dst} must not overlap.
   */
  public static void scale(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height,
      int width, double factor, Border border) {
    if (!(factor > 0)) {
      throw new IllegalArgumentException("scale factor must be positive: " + factor);
    }
    double inv = 1 / factor;
    affine(src, srcOffset, dst, dstOffset, channels, height, width, inv, 0, 0, inv, border);
  }

  /**
   * {@code dst(x, y) = src(centre + M (x, y) - centre)} with {@code M = [[a, b], [c, d]]} mapping output offsets to
   * input offsets, bilinear.
   */
  static void affine(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width,
      double a, double b, double c, double d, Border border) {
    double cx = (width - 1) / 2.0;
    double cy = (height - 1) / 2.0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double ox = x - cx;
        double oy = y - cy;
        double sx = snap(cx + a * ox + b * oy);
        double sy = snap(cy + c * ox + d * oy);
        int x0 = (int) Math.floor(sx);
        int y0 = (int) Math.floor(sy);
        float fx = (float) (sx - x0);
        float fy = (float) (sy - y0);
        for (int ch = 0; ch < channels; ch++) {
          int sp = srcOffset + ch * height * width;
          float v00 = pixel(src, sp, height, width, y0, x0, border);
          float v01 = fx == 0 ? 0 : pixel(src, sp, height, width, y0, x0 + 1, border);
          float v10 = fy == 0 ? 0 : pixel(src, sp, height, width, y0 + 1, x0, border);
          float v11 = fx == 0 || fy == 0 ? 0 : pixel(src, sp, height, width, y0 + 1, x0 + 1, border);
          float top = v00 + (v01 - v00) * fx;
          float bottom = v10 + (v11 - v10) * fx;
          dst[dstOffset + ch * height * width + y * width + x] = top + (bottom - top) * fy;
        }
      }
    }
  }

  /**
   * Rounds coordinates within 1e-9 of an integer to it, so that exact transforms (a 90 degree turn, factor 1) copy
   * pixels exactly instead of blending in a 1e-16 share of a neighbour.
   */
  private static double snap(double v) {
    double r = Math.rint(v);
    return Math.abs(v - r) < 1e-9 ? r : v;
  }

  /** The pixel at (y, x) of one plane, with {@code border} deciding what lies outside. */
  static float pixel(float[] data, int plane, int height, int width, int y, int x, Border border) {
    if (y >= 0 && y < height && x >= 0 && x < width) {
      return data[plane + y * width + x];
    }
    return switch (border) {
      case ZERO -> 0f;
      case EDGE -> data[plane + clamp(y, height) * width + clamp(x, width)];
      case REFLECT -> data[plane + reflect(y, height) * width + reflect(x, width)];
    };
  }

  private static int clamp(int i, int n) {
    return i < 0 ? 0 : i >= n ? n - 1 : i;
  }

  private static int reflect(int i, int n) {
    if (n == 1) {
      return 0;
    }
    int period = 2 * (n - 1);
    i = Math.floorMod(i, period);
    return i < n ? i : period - i;
  }
}
