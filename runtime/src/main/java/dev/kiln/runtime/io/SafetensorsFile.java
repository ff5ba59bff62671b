package dev.kiln.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file, read and fully validated: the tensor names, dtypes and shapes of its header, its
 * {@code __metadata__}, and its data, which {@link #floats(String)} converts to {@code float}.
 *
 * <p>The format: an 8-byte little-endian length {@code N}, {@code N} bytes of JSON mapping each tensor name to
 * {@code {"dtype":..,"shape":[..],"data_offsets":[begin,end]}} (offsets relative to the first byte after the
 * header), then the raw little-endian data.
 *
 * <p>Files are treated as untrusted. Everything is checked before any tensor data is touched, and every problem
 * surfaces as a {@link WeightFileException} whose message says what and where: a header length beyond
 * {@link #MAX_HEADER_BYTES} or beyond the file, a header that is not a JSON object, malformed or duplicate-keyed
 * JSON, unsupported dtypes, negative or fractional shape values, element counts that overflow, offsets outside the
 * data, byte lengths that do not match dtype and shape, and tensors that overlap or leave bytes unaccounted for (as
 * in the reference implementation, tensors must tile the data area exactly). Nothing is allocated beyond what the
 * file's own size justifies, so a hostile length field cannot cause an {@code OutOfMemoryError}.
 *
 * <p>The whole file is read into memory, so an instance is an immutable snapshot and the file may be replaced
 * while it is in use. The data area is limited to a Java array (just under 2 GiB), plenty for the networks Kiln
 * compiles.
 */
public final class SafetensorsFile {
  /** The largest header accepted: the same 100 MB bound as the reference implementation. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  /** The largest data area this reader holds: the largest byte array a JVM reliably allocates. */
  static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

  private static final String METADATA_KEY = "__metadata__";

  /** One tensor's header entry, already checked against the data area. */
  record Entry(String name, DType dtype, long[] shape, long begin, long end, int elements) {}

  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;
  private final byte[] buffer;
  /** Where the data area starts in {@link #buffer}: 0 when read from a file, 8 + N when parsing a whole file. */
  private final int dataStart;

  private SafetensorsFile(Map<String, Entry> entries, Map<String, String> metadata, byte[] buffer, int dataStart) {
    this.entries = Collections.unmodifiableMap(entries);
    this.metadata = Collections.unmodifiableMap(metadata);
    this.buffer = buffer;
    this.dataStart = dataStart;
  }

  /**
   * Reads and validates the file at {@code path}.
   *
   * @throws WeightFileException if the contents are not a valid safetensors file
   * @throws IOException if the file cannot be read at all (missing, unreadable)
   */
  public static SafetensorsFile read(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw new WeightFileException(
            path + ": " + size + " bytes is too short for a safetensors file (truncated, or not one)");
      }
      ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthField, 0, size);
      int headerLength = checkHeaderLength(lengthField.getLong(0), size);
      long dataLength = size - 8 - headerLength;
      if (dataLength > MAX_DATA_BYTES) {
        throw new WeightFileException(
            path + ": data area of " + dataLength + " bytes is larger than this reader supports (2 GiB)");
      }
      // Header first: it is validated against the file size before the (possibly large) data is allocated.
      ByteBuffer header = ByteBuffer.allocate(headerLength);
      readFully(channel, header, 8, size);
      Parsed parsed = parseHeader(header.array(), 0, headerLength, dataLength);
      ByteBuffer data = ByteBuffer.allocate((int) dataLength);
      readFully(channel, data, 8L + headerLength, size);
      return new SafetensorsFile(parsed.entries, parsed.metadata, data.array(), 0);
    } catch (WeightFileException e) {
      // Prefix the path once, so messages from deep inside the parser still say which file was wrong.
      String message = e.getMessage();
      if (message.startsWith(path.toString())) {
        throw e;
      }
      throw new WeightFileException(path + ": " + message, e);
    }
  }

  /**
   * Validates {@code bytes} as a complete safetensors file. The array is used, not copied: do not modify it
   * afterwards.
   *
   * @throws WeightFileException if the bytes are not a valid safetensors file
   */
  public static SafetensorsFile parse(byte[] bytes) throws WeightFileException {
    if (bytes.length < 8) {
      throw new WeightFileException(
          bytes.length + " bytes is too short for a safetensors file (truncated, or not one)");
    }
    long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    int headerLength = checkHeaderLength(length, bytes.length);
    long dataLength = bytes.length - 8L - headerLength;
    Parsed parsed = parseHeader(bytes, 8, headerLength, dataLength);
    return new SafetensorsFile(parsed.entries, parsed.metadata, bytes, 8 + headerLength);
  }

  /** The tensor names, in the order the header lists them. */
  public Set<String> names() {
    return entries.keySet();
  }

  /** Whether the file holds a tensor named {@code name}. */
  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The dtype of tensor {@code name} as the header spells it ({@code "F32"}, {@code "I64"}). */
  public String dtype(String name) {
    return entry(name).dtype().name();
  }

  /** The shape of tensor {@code name}; {@code []} for a scalar. */
  public long[] shape(String name) {
    return entry(name).shape().clone();
  }

  /** The number of elements of tensor {@code name}: the product of its shape. */
  public int elementCount(String name) {
    return entry(name).elements();
  }

  /** The {@code __metadata__} object (string keys to string values); empty when the file has none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * The values of tensor {@code name}, row-major in its shape, converted to {@code float}: F32 as is; F16 and BF16
   * exactly; F64 and 64- or 32-bit integers rounded to the nearest float; booleans as 0 and 1.
   *
   * @throws IllegalArgumentException if there is no such tensor
   */
  public float[] floats(String name) {
    Entry e = entry(name);
    float[] out = new float[e.elements()];
    ByteBuffer b = data(e);
    switch (e.dtype()) {
      case F32 -> b.asFloatBuffer().get(out);
      case F64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) b.getDouble();
        }
      }
      case F16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = halfToFloat(b.getShort());
        }
      }
      case BF16 -> {
        // bfloat16 is the top half of a float32, so widening is a shift: exact, NaN payloads included.
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
        }
      }
      case I64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getLong();
        }
      }
      case U64 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = unsignedLongToFloat(b.getLong());
        }
      }
      case I32 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getInt();
        }
      }
      case U32 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getInt() & 0xFFFFFFFFL;
        }
      }
      case I16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getShort();
        }
      }
      case U16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getShort() & 0xFFFF;
        }
      }
      case I8 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get();
        }
      }
      case U8 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get() & 0xFF;
        }
      }
      case BOOL -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get() != 0 ? 1f : 0f;
        }
      }
    }
    return out;
  }

  /**
   * The values of integer tensor {@code name} exactly, for counters such as {@code num_batches_tracked} that a
   * float would round beyond 2^24.
   *
   * @throws IllegalArgumentException if there is no such tensor or its dtype is not a signed integer type
   */
  public long[] longs(String name) {
    Entry e = entry(name);
    long[] out = new long[e.elements()];
    ByteBuffer b = data(e);
    switch (e.dtype()) {
      case I64 -> b.asLongBuffer().get(out);
      case I32 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getInt();
        }
      }
      case I16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getShort();
        }
      }
      case I8 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get();
        }
      }
      default -> throw new IllegalArgumentException(
          "tensor '" + name + "' has dtype " + e.dtype() + ", not a signed integer type");
    }
    return out;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("SafetensorsFile{");
    String sep = "";
    for (Entry e : entries.values()) {
      sb.append(sep).append(e.name()).append(' ').append(e.dtype()).append(Arrays.toString(e.shape()));
      sep = ", ";
    }
    return sb.append('}').toString();
  }

  Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no tensor named '" + name + "' in this file; it has " + entries.keySet());
    }
    return e;
  }

  Map<String, Entry> entries() {
    return entries;
  }

  private ByteBuffer data(Entry e) {
    return ByteBuffer.wrap(buffer, dataStart + (int) e.begin(), (int) (e.end() - e.begin()))
        .slice()
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** IEEE 754 binary16 to binary32; exact, since every half is representable as a float. */
  static float halfToFloat(short half) {
    int h = half & 0xFFFF;
    int sign = (h >>> 15) << 31;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0) {
      // Zero or subnormal: mantissa * 2^-24, exact in float; the sign is applied through the bits.
      float magnitude = mantissa * 0x1p-24f;
      return Float.intBitsToFloat(sign | Float.floatToRawIntBits(magnitude));
    }
    if (exponent == 0x1F) {
      // Infinity (mantissa 0) or NaN, keeping the payload.
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /** An unsigned 64-bit value rounded to the nearest float (Java has no unsigned conversion). */
  static float unsignedLongToFloat(long v) {
    if (v >= 0) {
      return v;
    }
    // Halve, keeping the lost bit as a sticky bit so the single rounding step below still rounds correctly.
    return ((v >>> 1) | (v & 1)) * 2f;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Validation

  /** Checks the length field read from a file of {@code fileSize} bytes; returns it as an int. */
  private static int checkHeaderLength(long length, long fileSize) throws WeightFileException {
    // The field is an unsigned 64-bit number: a negative long is a huge length.
    if (length < 0 || length > MAX_HEADER_BYTES) {
      throw new WeightFileException("header length " + Long.toUnsignedString(length) + " exceeds the limit of "
          + MAX_HEADER_BYTES + " bytes: not a safetensors file, or a corrupt one");
    }
    if (length > fileSize - 8) {
      throw new WeightFileException("header length " + length + " exceeds the " + (fileSize - 8)
          + " bytes that follow the length field: the file is truncated or not a safetensors file");
    }
    if (length < 2) {
      throw new WeightFileException("header length " + length + " is too short for a JSON object");
    }
    return (int) length;
  }

  private record Parsed(Map<String, Entry> entries, Map<String, String> metadata) {}

  private static Parsed parseHeader(byte[] bytes, int offset, int length, long dataLength)
      throws WeightFileException {
    if (bytes[offset] != '{') {
      throw new WeightFileException("header does not start with '{' (found byte 0x"
          + String.format("%02X", bytes[offset] & 0xFF) + "): not a safetensors file");
    }
    String text;
    try {
      // Strict decoding: invalid UTF-8 is an error, not silently replaced.
      text = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WeightFileException("header is not valid UTF-8", e);
    }
    Json.Reader r = new Json.Reader(text);
    Map<String, Entry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = null;
    r.expect('{');
    if (!r.tryConsume('}')) {
      do {
        String key = r.readString();
        r.expect(':');
        if (key.equals(METADATA_KEY)) {
          if (metadata != null) {
            throw r.error("duplicate key '" + METADATA_KEY + "'");
          }
          metadata = readMetadata(r);
        } else {
          if (entries.containsKey(key)) {
            throw r.error("duplicate tensor name '" + Json.abbreviate(key) + "'");
          }
          entries.put(key, readEntry(r, key, dataLength));
        }
      } while (r.tryConsume(','));
      r.expect('}');
    }
    r.expectEnd();
    checkLayout(entries, dataLength);
    return new Parsed(entries, metadata == null ? new LinkedHashMap<>() : metadata);
  }

  private static Map<String, String> readMetadata(Json.Reader r) throws WeightFileException {
    Map<String, String> metadata = new LinkedHashMap<>();
    r.expect('{');
    if (r.tryConsume('}')) {
      return metadata;
    }
    do {
      String key = r.readString();
      r.expect(':');
      if (r.peek() != '"') {
        throw r.error("__metadata__ value of '" + Json.abbreviate(key) + "' must be a string");
      }
      if (metadata.put(key, r.readString()) != null) {
        throw r.error("duplicate __metadata__ key '" + Json.abbreviate(key) + "'");
      }
    } while (r.tryConsume(','));
    r.expect('}');
    return metadata;
  }

  private static Entry readEntry(Json.Reader r, String name, long dataLength) throws WeightFileException {
    String shown = "'" + Json.abbreviate(name) + "'";
    DType dtype = null;
    long[] shape = null;
    long[] offsets = null;
    r.expect('{');
    if (!r.tryConsume('}')) {
      do {
        String field = r.readString();
        r.expect(':');
        switch (field) {
          case "dtype" -> {
            if (dtype != null) {
              throw r.error("tensor " + shown + ": duplicate field 'dtype'");
            }
            String spelled = r.readString();
            dtype = DType.byName(spelled);
            if (dtype == null) {
              throw new WeightFileException(
                  "tensor " + shown + ": unsupported dtype '" + Json.abbreviate(spelled) + "'");
            }
          }
          case "shape" -> {
            if (shape != null) {
              throw r.error("tensor " + shown + ": duplicate field 'shape'");
            }
            shape = readLongArray(r, "shape of " + shown);
          }
          case "data_offsets" -> {
            if (offsets != null) {
              throw r.error("tensor " + shown + ": duplicate field 'data_offsets'");
            }
            offsets = readLongArray(r, "data_offsets of " + shown);
          }
          default -> throw r.error("tensor " + shown + ": unknown field '" + Json.abbreviate(field) + "'");
        }
      } while (r.tryConsume(','));
      r.expect('}');
    }
    if (dtype == null || shape == null || offsets == null) {
      throw new WeightFileException("tensor " + shown + ": needs 'dtype', 'shape' and 'data_offsets'");
    }
    if (offsets.length != 2) {
      throw new WeightFileException(
          "tensor " + shown + ": data_offsets must be [begin, end], found " + offsets.length + " values");
    }
    long begin = offsets[0];
    long end = offsets[1];
    String where = "tensor " + shown + " data_offsets [" + begin + ", " + end + "]";
    if (end < begin) {
      throw new WeightFileException(where + ": end before begin");
    }
    if (end > dataLength) {
      throw new WeightFileException(
          where + " reach beyond the data area of " + dataLength + " bytes (truncated file?)");
    }
    long elements = 1;
    long bytes;
    try {
      for (long d : shape) {
        elements = Math.multiplyExact(elements, d);
      }
      bytes = Math.multiplyExact(elements, (long) dtype.size());
    } catch (ArithmeticException e) {
      throw new WeightFileException(
          "tensor " + shown + ": shape " + Arrays.toString(shape) + " has more elements than 64 bits can count");
    }
    if (bytes != end - begin) {
      throw new WeightFileException(where + " hold " + (end - begin) + " bytes, but " + dtype + " "
          + Arrays.toString(shape) + " needs " + elements + " x " + dtype.size() + " = " + bytes);
    }
    // end <= dataLength <= MAX_DATA_BYTES, so the element count now fits an int.
    return new Entry(name, dtype, shape, begin, end, (int) elements);
  }

  private static long[] readLongArray(Json.Reader r, String what) throws WeightFileException {
    r.expect('[');
    long[] values = new long[4];
    int n = 0;
    if (!r.tryConsume(']')) {
      do {
        if (n == values.length) {
          values = Arrays.copyOf(values, n * 2);
        }
        values[n++] = r.readNonNegativeLong(what);
      } while (r.tryConsume(','));
      r.expect(']');
    }
    return Arrays.copyOf(values, n);
  }

  /**
   * Requires the tensors, in offset order, to tile the data area exactly: no overlaps (two names reading the same
   * bytes), no gaps and no trailing bytes. This is the reference implementation's rule; it also catches most
   * edits of a header's length or offsets.
   */
  private static void checkLayout(Map<String, Entry> entries, long dataLength) throws WeightFileException {
    List<Entry> sorted = new ArrayList<>(entries.values());
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long expected = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < expected) {
        throw new WeightFileException("tensors '" + Json.abbreviate(previous.name()) + "' [" + previous.begin()
            + ", " + previous.end() + "] and '" + Json.abbreviate(e.name()) + "' [" + e.begin() + ", " + e.end()
            + "] overlap");
      }
      if (e.begin() > expected) {
        throw new WeightFileException("data bytes [" + expected + ", " + e.begin()
            + ") belong to no tensor; safetensors requires tensors to fill the data area exactly");
      }
      expected = e.end();
      previous = e;
    }
    if (expected != dataLength) {
      throw new WeightFileException("the data area holds " + dataLength + " bytes but the tensors account for "
          + expected + "; safetensors requires tensors to fill the data area exactly");
    }
  }

  /** Fills {@code buffer} from {@code position}, failing clearly if the file ends early (it shrank under us). */
  private static void readFully(FileChannel channel, ByteBuffer buffer, long position, long size)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new WeightFileException(
            "file ended at byte " + at + " of the " + size + " it had when opened (changed while being read?)");
      }
      at += n;
    }
  }
}
