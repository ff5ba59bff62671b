package dev.kiln.runtime.data;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Shape;
import dev.kiln.runtime.data.Images.Border;

/**
 * The built-in {@link Augmentation}s. Each draws its parameters independently per image: a batch of 64 gets 64
 * different shifts, not one shift for all. Geometric ones work per channel on {@code CxHxW} (or {@code HxW}) images;
 * the photometric ones do not clamp, so add {@link #clamp} last when values must stay in a range.
 */
public final class Augmentations {
  private Augmentations() {}

  /** Mirrors each image left to right with probability {@code p}. */
  public static Augmentation horizontalFlip(double p) {
    checkProbability(p);
    return new PerImage("horizontalFlip(" + p + ")", false) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        if (rng.nextDouble() < p) {
          Images.flipHorizontal(d, o, c, h, w);
        }
      }
    };
  }

  /** Mirrors each image top to bottom with probability {@code p}. */
  public static Augmentation verticalFlip(double p) {
    checkProbability(p);
    return new PerImage("verticalFlip(" + p + ")", false) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        if (rng.nextDouble() < p) {
          Images.flipVertical(d, o, c, h, w);
        }
      }
    };
  }

  /** Shifts each image by whole pixels, uniformly in {@code [-maxPixels, maxPixels]} on each axis, zero-filled. */
  public static Augmentation shift(int maxPixels) {
    return shift(maxPixels, maxPixels, Border.ZERO);
  }

  /** Shifts each image by up to {@code maxDx} pixels sideways and {@code maxDy} vertically. */
  public static Augmentation shift(int maxDx, int maxDy, Border border) {
    if (maxDx < 0 || maxDy < 0) {
      throw new IllegalArgumentException("shifts must be non-negative: " + maxDx + ", " + maxDy);
    }
    return new PerImage("shift(" + maxDx + ", " + maxDy + ", " + border + ")", true) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        int dx = rng.nextInt(2 * maxDx + 1) - maxDx;
        int dy = rng.nextInt(2 * maxDy + 1) - maxDy;
        copyIn(d, o);
        Images.translate(scratch, 0, d, o, c, h, w, dx, dy, border);
      }
    };
  }

  /**
   * Pads each image by {@code padding} zeros on every side and crops a random window of the original size (the
   * CIFAR recipe). Cropping at offset {@code (i, j)} of the padded image is a shift by {@code (padding - j,
   * padding - i)}, so it is done as one, without building the padded image.
   */
  public static Augmentation randomCrop(int padding) {
    return randomCrop(padding, Border.ZERO);
  }

  /** Random crop after padding with {@code border} (reflection padding avoids black frames). */
  public static Augmentation randomCrop(int padding, Border border) {
    if (padding < 0) {
      throw new IllegalArgumentException("padding must be non-negative: " + padding);
    }
    return new PerImage("randomCrop(" + padding + ", " + border + ")", true) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        int top = rng.nextInt(2 * padding + 1);
        int left = rng.nextInt(2 * padding + 1);
        copyIn(d, o);
        Images.translate(scratch, 0, d, o, c, h, w, padding - left, padding - top, border);
      }
    };
  }

  /** Rotates each image by a uniform angle in {@code [-maxDegrees, maxDegrees]}, zero-filled corners. */
  public static Augmentation rotation(double maxDegrees) {
    return rotation(maxDegrees, Border.ZERO);
  }

  public static Augmentation rotation(double maxDegrees, Border border) {
    if (!(maxDegrees >= 0)) {
      throw new IllegalArgumentException("maxDegrees must be non-negative: " + maxDegrees);
    }
    return new PerImage("rotation(" + maxDegrees + ", " + border + ")", true) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        double degrees = (2 * rng.nextDouble() - 1) * maxDegrees;
        copyIn(d, o);
        Images.rotate(scratch, 0, d, o, c, h, w, degrees, border);
      }
    };
  }

  /** Scales each image about its centre by a uniform factor in {@code [minFactor, maxFactor]}, zero-filled. */
  public static Augmentation scaling(double minFactor, double maxFactor) {
    return scaling(minFactor, maxFactor, Border.ZERO);
  }

  public static Augmentation scaling(double minFactor, double maxFactor, Border border) {
    if (!(minFactor > 0 && minFactor <= maxFactor)) {
      throw new IllegalArgumentException("need 0 < minFactor <= maxFactor: " + minFactor + ", " + maxFactor);
    }
    return new PerImage("scaling(" + minFactor + ", " + maxFactor + ", " + border + ")", true) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        double factor = minFactor + rng.nextDouble() * (maxFactor - minFactor);
        copyIn(d, o);
        Images.scale(scratch, 0, d, o, c, h, w, factor, border);
      }
    };
  }

  /** Adds one uniform offset in {@code [-maxDelta, maxDelta]} to every value of each image. */
  public static Augmentation brightness(double maxDelta) {
    if (!(maxDelta >= 0)) {
      throw new IllegalArgumentException("maxDelta must be non-negative: " + maxDelta);
    }
    return new PerImage("brightness(" + maxDelta + ")", false) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        float delta = (float) ((2 * rng.nextDouble() - 1) * maxDelta);
        for (int i = o, end = o + c * h * w; i < end; i++) {
          d[i] += delta;
        }
      }
    };
  }

  /**
   * Scales each image's deviation from its own mean by a uniform factor in {@code [1 - maxChange, 1 + maxChange]}:
   * {@code x' = mean + f (x - mean)}, the mean over all of the image's values.
   */
  public static Augmentation contrast(double maxChange) {
    if (!(maxChange >= 0 && maxChange <= 1)) {
      throw new IllegalArgumentException("maxChange must be in [0, 1]: " + maxChange);
    }
    return new PerImage("contrast(" + maxChange + ")", false) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        float factor = (float) (1 + (2 * rng.nextDouble() - 1) * maxChange);
        int end = o + c * h * w;
        double sum = 0;
        for (int i = o; i < end; i++) {
          sum += d[i];
        }
        float mean = (float) (sum / (c * h * w));
        for (int i = o; i < end; i++) {
          d[i] = mean + (d[i] - mean) * factor;
        }
      }
    };
  }

  /** Adds independent Gaussian noise of standard deviation {@code std} to every value. */
  public static Augmentation gaussianNoise(double std) {
    if (!(std >= 0)) {
      throw new IllegalArgumentException("std must be non-negative: " + std);
    }
    return new PerImage("gaussianNoise(" + std + ")", false) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        for (int i = o, end = o + c * h * w; i < end; i++) {
          d[i] += (float) (rng.nextGaussian() * std);
        }
      }
    };
  }

  /** Salt-and-pepper noise for [0, 1] images: pepper 0, salt 1. */
  public static Augmentation saltAndPepper(double fraction) {
    return saltAndPepper(fraction, 0f, 1f);
  }

  /**
   * Sets each pixel, with probability {@code fraction}, to {@code low} or {@code high} (even odds). A pixel is a
   * position across all channels, so salt is white rather than one bright channel.
   */
  public static Augmentation saltAndPepper(double fraction, float low, float high) {
    checkProbability(fraction);
    return new PerImage("saltAndPepper(" + fraction + ", " + low + ", " + high + ")", false) {
      @Override
      void apply(float[] d, int o, int c, int h, int w, Rng rng) {
        int plane = h * w;
        for (int p = 0; p < plane; p++) {
          if (rng.nextDouble() < fraction) {
            float v = rng.nextDouble() < 0.5 ? low : high;
            for (int ch = 0; ch < c; ch++) {
              d[o + ch * plane + p] = v;
            }
          }
        }
      }
    };
  }

  /** Clips every value to {@code [min, max]}; put it after photometric augmentations of bounded images. */
  public static Augmentation clamp(float min, float max) {
    if (!(min <= max)) {
      throw new IllegalArgumentException("need min <= max: " + min + ", " + max);
    }
    return new Augmentation() {
      @Override
      public void apply(float[] images, int count, Shape shape, Rng rng) {
        for (int i = 0, end = count * shape.size(); i < end; i++) {
          images[i] = Math.max(min, Math.min(max, images[i]));
        }
      }

      @Override
      public String toString() {
        return "clamp(" + min + ", " + max + ")";
      }
    };
  }

  private static void checkProbability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("probability must be in [0, 1]: " + p);
    }
  }

  /**
   * An augmentation that treats each image on its own. Geometric ones copy the image to a scratch buffer first,
   * since their output pixels read input pixels the loop has already overwritten; the buffer grows once and is
   * reused for every later image and batch.
   */
  private abstract static class PerImage implements Augmentation {
    private final String description;
    private final boolean needsScratch;
    float[] scratch = new float[0];
    private int imageSize;

    PerImage(String description, boolean needsScratch) {
      this.description = description;
      this.needsScratch = needsScratch;
    }

    @Override
    public final void apply(float[] images, int count, Shape shape, Rng rng) {
      int c;
      int h;
      int w;
      if (shape.rank() == 3) {
        c = shape.dim(0);
        h = shape.dim(1);
        w = shape.dim(2);
      } else if (shape.rank() == 2) {
        c = 1;
        h = shape.dim(0);
        w = shape.dim(1);
      } else {
        throw new IllegalArgumentException(
            description + " needs images shaped CxHxW or HxW, not " + shape
                + "; give the data set its image shape (such as 1x28x28)");
      }
      int size = c * h * w;
      imageSize = size;
      if (needsScratch && scratch.length < size) {
        scratch = new float[size];
      }
      for (int i = 0; i < count; i++) {
        apply(images, i * size, c, h, w, rng);
      }
    }

    /** Transforms the image at {@code offset}. */
    abstract void apply(float[] data, int offset, int channels, int height, int width, Rng rng);

    void copyIn(float[] data, int offset) {
      System.arraycopy(data, offset, scratch, 0, imageSize);
    }

    @Override
    public String toString() {
      return description;
    }
  }
}
