package dev.kiln.runtime.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a safetensors file from named tensors and writes it, atomically, to a path or to bytes.
 *
 * <p>The layout is the reference implementation's (what {@code safetensors.torch.save_file} produces), so a file
 * from here is byte for byte the file PyTorch would write for the same tensors: tensors ordered by dtype, largest
 * element first, then by name; {@code __metadata__} first in the header (keys sorted, omitted when empty); compact
 * JSON; the header padded with spaces to a multiple of 8 bytes so that the data starts aligned.
 *
 * <p>The arrays passed in are referenced, not copied (a model's weights can be large): they are read when the file
 * is written and must not change until then.
 */
public final class SafetensorsWriter {
  private record Tensor(String name, DType dtype, int[] shape, float[] floats, long[] longs) {
    long byteLength() {
      return (long) dtype.size() * (floats != null ? floats.length : longs.length);
    }
  }

  private final Map<String, Tensor> tensors = new LinkedHashMap<>();
  private final Map<String, String> metadata = new TreeMap<>();

  /** Adds a float32 tensor; {@code values} is row-major in {@code shape}. */
  public SafetensorsWriter addF32(String name, int[] shape, float[] values) {
    return add(new Tensor(name, DType.F32, shape.clone(), values, null), values.length);
  }

  /** Adds an int64 tensor, as PyTorch stores counters such as {@code num_batches_tracked}. */
  public SafetensorsWriter addI64(String name, int[] shape, long[] values) {
    return add(new Tensor(name, DType.I64, shape.clone(), null, values), values.length);
  }

  /** Adds one {@code __metadata__} entry; both strings are free text. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** Adds {@code __metadata__} entries. */
  public SafetensorsWriter metadata(Map<String, String> entries) {
    entries.forEach(this::metadata);
    return this;
  }

  private SafetensorsWriter add(Tensor t, int length) {
    if (t.name().equals("__metadata__")) {
      throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
    }
    long elements = 1;
    for (int d : t.shape()) {
      if (d < 0) {
        throw new IllegalArgumentException(t.name() + ": negative dimension in " + Arrays.toString(t.shape()));
      }
      elements = Math.multiplyExact(elements, d);
    }
    if (elements != length) {
      throw new IllegalArgumentException(t.name() + ": shape " + Arrays.toString(t.shape()) + " holds " + elements
          + " values, but " + length + " were given");
    }
    if (tensors.putIfAbsent(t.name(), t) != null) {
      throw new IllegalArgumentException("two tensors named '" + t.name() + "'");
    }
    return this;
  }

  /**
   * Writes the file to {@code path}, replacing any file there atomically: on failure the old file is intact and no
   * temporary file is left behind.
   */
  public void write(Path path) throws IOException {
    AtomicFiles.write(path, this::writeTo);
  }

  /** The whole file as bytes. */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(Channels.newChannel(out));
    } catch (IOException e) {
      throw new AssertionError("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }

  /** Streams the file: length field, header, then each tensor's data through one small buffer. */
  void writeTo(WritableByteChannel channel) throws IOException {
    List<Tensor> ordered = ordered();
    byte[] header = header(ordered);
    ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(header.length);
    flush(buffer, channel);
    writeFully(ByteBuffer.wrap(header), channel);
    for (Tensor t : ordered) {
      if (t.floats() != null) {
        for (float v : t.floats()) {
          if (buffer.remaining() < 4) {
            flush(buffer, channel);
          }
          buffer.putFloat(v);
        }
      } else {
        for (long v : t.longs()) {
          if (buffer.remaining() < 8) {
            flush(buffer, channel);
          }
          buffer.putLong(v);
        }
      }
    }
    flush(buffer, channel);
  }

  /** The reference order: dtype descending (so larger elements come first and stay aligned), then name. */
  private List<Tensor> ordered() {
    List<Tensor> list = new ArrayList<>(tensors.values());
    // Names compare as UTF-8 bytes, as Rust's str ordering does, so non-ASCII names sort identically too.
    Comparator<Tensor> byName = (a, b) -> Arrays.compareUnsigned(
        a.name().getBytes(StandardCharsets.UTF_8), b.name().getBytes(StandardCharsets.UTF_8));
    list.sort(Comparator.comparing(Tensor::dtype).reversed().thenComparing(byName));
    return list;
  }

  private byte[] header(List<Tensor> ordered) {
    StringBuilder sb = new StringBuilder("{");
    if (!metadata.isEmpty()) {
      sb.append("\"__metadata__\":{");
      String sep = "";
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        sb.append(sep).append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
        sep = ",";
      }
      sb.append('}');
    }
    long offset = 0;
    for (Tensor t : ordered) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append(Json.quote(t.name())).append(":{\"dtype\":\"").append(t.dtype().name()).append("\",\"shape\":[");
      for (int i = 0; i < t.shape().length; i++) {
        sb.append(i == 0 ? "" : ",").append(t.shape()[i]);
      }
      long end = offset + t.byteLength();
      sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
      offset = end;
    }
    sb.append('}');
    byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
    // Pad with spaces (valid JSON whitespace) so the data area starts 8-byte aligned, as the reference does.
    int padded = (json.length + 7) / 8 * 8;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  private static void flush(ByteBuffer buffer, WritableByteChannel channel) throws IOException {
    buffer.flip();
    writeFully(buffer, channel);
    buffer.clear();
  }

  private static void writeFully(ByteBuffer buffer, WritableByteChannel channel) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }
}
