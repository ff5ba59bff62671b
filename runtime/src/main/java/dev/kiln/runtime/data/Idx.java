package dev.kiln.runtime.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic ({@code 0x00 0x00}, a type
 * code, the number of dimensions), each dimension as a big-endian int, then the elements row-major and big-endian.
 *
 * <p>Files may be plain or gzip-compressed; the reader tells them apart by their first bytes rather than the file
 * name, since an IDX file always starts with two zero bytes and gzip never does. Everything the header promises is
 * checked against what the file holds, so a truncated download fails here with a message, not later as a shape
 * error or as silently zero pixels.
 */
public final class Idx {
  private Idx() {}

  /** The element types IDX defines, with their type codes. */
  public enum Type {
    UBYTE(0x08, 1),
    BYTE(0x09, 1),
    SHORT(0x0B, 2),
    INT(0x0C, 4),
    FLOAT(0x0D, 4),
    DOUBLE(0x0E, 8);

    private final int code;
    private final int bytes;

    Type(int code, int bytes) {
      this.code = code;
      this.bytes = bytes;
    }

    /** The type byte of the magic number. */
    public int code() {
      return code;
    }

    /** Bytes per element. */
    public int bytes() {
      return bytes;
    }

    static Type ofCode(int code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  /** Reads an IDX file, plain or gzip-compressed. Errors name the file. */
  public static IdxData read(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return read(in, path.toString());
    }
  }

  /**
   * Reads IDX data, plain or gzip-compressed, from {@code in} (not closed).
   *
   * @param source names the data in error messages
   */
  public static IdxData read(InputStream in, String source) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    InputStream body = buffered;
    if (b0 == 0x1f && b1 == 0x8b) {
      try {
        body = new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16);
      } catch (ZipException | EOFException e) {
        throw new IdxFormatException(source + ": corrupt gzip header (" + e.getMessage() + ")", e);
      }
    }
    try {
      return readBody(body, source);
    } catch (ZipException e) {
      throw new IdxFormatException(source + ": corrupt gzip data (" + e.getMessage() + ")", e);
    } catch (EOFException e) {
      // GZIPInputStream reports a cut-off compressed stream this way.
      throw new IdxFormatException(source + ": truncated gzip stream", e);
    }
  }

  private static IdxData readBody(InputStream in, String source) throws IOException {
    byte[] magic = new byte[4];
    int got = readFully(in, magic);
    if (got < 4) {
      throw new IdxFormatException(source + ": " + got + " bytes is too short for an IDX header");
    }
    if (magic[0] != 0 || magic[1] != 0) {
      throw new IdxFormatException(String.format(
          "%s: not an IDX file: magic 0x%02x%02x%02x%02x should start with two zero bytes",
          source, magic[0], magic[1], magic[2], magic[3]));
    }
    Type type = Type.ofCode(magic[2] & 0xFF);
    if (type == null) {
      throw new IdxFormatException(String.format(
          "%s: unknown IDX element type 0x%02x (known: 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int,"
              + " 0x0d float, 0x0e double)", source, magic[2] & 0xFF));
    }
    int rank = magic[3] & 0xFF;
    if (rank == 0) {
      throw new IdxFormatException(source + ": IDX header declares zero dimensions");
    }
    byte[] dimBytes = new byte[4 * rank];
    got = readFully(in, dimBytes);
    if (got < dimBytes.length) {
      throw new IdxFormatException(
          source + ": header declares " + rank + " dimensions but the file ends inside them");
    }
    int[] dims = new int[rank];
    long elements = 1;
    for (int i = 0; i < rank; i++) {
      int o = 4 * i;
      dims[i] = (dimBytes[o] << 24) | ((dimBytes[o + 1] & 0xFF) << 16) | ((dimBytes[o + 2] & 0xFF) << 8)
          | (dimBytes[o + 3] & 0xFF);
      if (dims[i] < 0) {
        throw new IdxFormatException(source + ": dimension " + i + " is negative (" + dims[i] + ")");
      }
      elements *= dims[i];
      if (elements * type.bytes() > Integer.MAX_VALUE - 8) {
        throw new IdxFormatException(
            source + ": dimensions " + Arrays.toString(Arrays.copyOf(dims, i + 1)) + "... exceed 2 GiB of data");
      }
    }
    byte[] data = new byte[(int) (elements * type.bytes())];
    got = readFully(in, data);
    if (got < data.length) {
      throw new IdxFormatException(String.format(
          "%s: truncated: header promises %s %s = %d bytes of data, the file has %d",
          source, type, Arrays.toString(dims), data.length, got));
    }
    if (in.read() != -1) {
      throw new IdxFormatException(String.format(
          "%s: extra bytes after the %d data bytes that %s %s promises", source, data.length, type,
          Arrays.toString(dims)));
    }
    return new IdxData(type, dims, data);
  }

  /** Reads until {@code buf} is full or the stream ends; returns the bytes read. */
  private static int readFully(InputStream in, byte[] buf) throws IOException {
    int n = 0;
    while (n < buf.length) {
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  /**
   * Writes unsigned bytes as an IDX file (type {@code 0x08}), gzip-compressed when the name ends in {@code .gz}.
   *
   * @param data row-major, {@code product(dims)} values
   */
  public static void writeUnsignedBytes(Path path, int[] dims, byte[] data) throws IOException {
    long count = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
      }
      count *= d;
    }
    if (dims.length == 0 || dims.length > 255 || count != data.length) {
      throw new IllegalArgumentException(
          "dims " + Arrays.toString(dims) + " do not describe " + data.length + " bytes");
    }
    try (OutputStream file = Files.newOutputStream(path);
        OutputStream out = new BufferedOutputStream(
            path.getFileName().toString().endsWith(".gz") ? new GZIPOutputStream(file) : file)) {
      out.write(new byte[] {0, 0, (byte) Type.UBYTE.code(), (byte) dims.length});
      for (int d : dims) {
        out.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
      }
      out.write(data);
    }
  }
}
