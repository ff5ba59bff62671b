package dev.kiln.samples.serve;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an uploaded PNG or PGM image into the model's input: one grey channel, each pixel divided by its maximum
 * (255 for 8-bit images, exactly as the training data was scaled), row-major.
 *
 * <p>Only images of exactly the model's size are accepted. Rescaling was left out on purpose: the networks learnt
 * Fashion-MNIST's framing (a light garment centred on a black 28x28 field), and a silently resized photo of another
 * shape and framing gets a confident but meaningless answer. A client that has other images should resize, centre
 * and invert them itself, where it can see the result. Colour images are turned grey with the Rec. 601 luma weights
 * ({@code 0.299 R + 0.587 G + 0.114 B}); alpha is ignored.
 *
 * <p>The size is read from the header before any pixel is decoded, so a tiny file claiming a 100000 x 100000 image
 * costs nothing.
 */
final class ImageInput {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private ImageInput() {}

  static boolean isPng(byte[] body, int length) {
    if (length < PNG_SIGNATURE.length) {
      return false;
    }
    for (int i = 0; i < PNG_SIGNATURE.length; i++) {
      if (body[i] != PNG_SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  /** Binary ({@code P5}) or plain ({@code P2}) greymap, followed by whitespace as the format requires. */
  static boolean isPgm(byte[] body, int length) {
    return length >= 3 && body[0] == 'P' && (body[1] == '5' || body[1] == '2') && whitespace(body[2]);
  }

  /** Decodes a PNG of {@code height} x {@code width} into {@code dst}. */
  static void png(byte[] body, int length, int height, int width, float[] dst) throws BadRequestException {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(body, 0, length))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new BadRequestException(415, "the body starts like a PNG but no PNG reader accepts it");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        checkSize(reader.getWidth(0), reader.getHeight(0), height, width);
        BufferedImage image = reader.read(0);
        toGrey(image, height, width, dst);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      // ImageIO reports damaged files as IIOException and, for some, as runtime exceptions from inside the decoder.
      throw new BadRequestException(400, "the PNG could not be decoded: " + e.getMessage());
    }
  }

  private static void toGrey(BufferedImage image, int height, int width, float[] dst) {
    Raster raster = image.getRaster();
    int bands = raster.getNumBands();
    boolean grey = image.getColorModel() instanceof ComponentColorModel && bands <= 2
        && image.getColorModel().getNumColorComponents() == 1;
    if (grey) {
      // Grey or grey+alpha: read band 0 at its own depth (8 or 16 bits), so 8-bit values divide by 255 exactly.
      float max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          dst[y * width + x] = raster.getSample(x, y, 0) / max;
        }
      }
      return;
    }
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int rgb = image.getRGB(x, y);
        float luma = 0.299f * ((rgb >> 16) & 0xFF) + 0.587f * ((rgb >> 8) & 0xFF) + 0.114f * (rgb & 0xFF);
        dst[y * width + x] = Math.min(255f, luma) / 255f;
      }
    }
  }

  /** Decodes a binary (P5) or plain (P2) PGM of {@code height} x {@code width} into {@code dst}. */
  static void pgm(byte[] body, int length, int height, int width, float[] dst) throws BadRequestException {
    boolean binary = body[1] == '5';
    int[] pos = {2};
    int w = header(body, length, pos, "width");
    int h = header(body, length, pos, "height");
    int max = header(body, length, pos, "maximum value");
    if (max < 1 || max > 65535) {
      throw new BadRequestException(400, "PGM maximum value " + max + " is outside 1..65535");
    }
    checkSize(w, h, height, width);
    int n = height * width;
    if (binary) {
      pos[0]++; // exactly one whitespace byte separates the header from binary data
      int bytes = max < 256 ? 1 : 2;
      if (length - pos[0] < n * bytes) {
        throw new BadRequestException(400, "the PGM holds " + Math.max(0, length - pos[0]) + " bytes of pixels; "
            + width + "x" + height + " at " + bytes + " byte(s) each needs " + n * bytes);
      }
      for (int i = 0; i < n; i++) {
        int o = pos[0] + i * bytes;
        int v = bytes == 1 ? body[o] & 0xFF : ((body[o] & 0xFF) << 8) | (body[o + 1] & 0xFF);
        dst[i] = pixel(v, max, i);
      }
    } else {
      for (int i = 0; i < n; i++) {
        dst[i] = pixel(header(body, length, pos, "pixel " + i), max, i);
      }
    }
  }

  private static float pixel(int v, int max, int i) throws BadRequestException {
    if (v > max) {
      throw new BadRequestException(400, "PGM pixel " + i + " is " + v + ", above the maximum value " + max);
    }
    return v / (float) max;
  }

  /** The next decimal number of a PGM header (or plain-PGM pixel), skipping whitespace and # comments. */
  private static int header(byte[] b, int length, int[] pos, String what) throws BadRequestException {
    int p = pos[0];
    while (p < length && (whitespace(b[p]) || b[p] == '#')) {
      if (b[p] == '#') {
        while (p < length && b[p] != '\n' && b[p] != '\r') {
          p++;
        }
      } else {
        p++;
      }
    }
    int start = p;
    long v = 0;
    while (p < length && b[p] >= '0' && b[p] <= '9' && v <= 1_000_000) {
      v = v * 10 + (b[p] - '0');
      p++;
    }
    if (p == start) {
      throw new BadRequestException(400, "malformed PGM: expected the " + what + " at byte " + p);
    }
    if (v > 1_000_000) {
      throw new BadRequestException(400, "malformed PGM: the " + what + " at byte " + start + " is too large");
    }
    pos[0] = p;
    return (int) v;
  }

  private static void checkSize(int w, int h, int height, int width) throws BadRequestException {
    if (w != width || h != height) {
      throw new BadRequestException(422, "the image is " + w + "x" + h + " pixels; this model takes " + width + "x"
          + height + " grey images (a light garment centred on black, like Fashion-MNIST). The server does not"
          + " rescale: resize, centre and invert the image yourself");
    }
  }

  private static boolean whitespace(byte c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c;
  }
}
