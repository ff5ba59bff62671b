package dev.kiln.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Parameter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading a model: exact round trips, the file layout, and strict and non-strict matching. */
class WeightsTest {
  @TempDir Path dir;

  @Test
  void roundTripIsBitExact() throws IOException {
    TinyNet saved = new TinyNet(1);
    float[] w = saved.parameter("fc1.weight").value();
    // Values a lossy path would disturb: a NaN payload, negative zero, a subnormal, infinity.
    w[0] = Float.intBitsToFloat(0x7FC12345);
    w[1] = -0f;
    w[2] = Float.MIN_VALUE;
    w[3] = Float.NEGATIVE_INFINITY;
    saved.parameter("bn.running_mean").value()[1] = 0.125f;
    saved.parameter("bn.num_batches_tracked").value()[0] = 7;
    Path path = dir.resolve("tiny.safetensors");

    Weights.save(saved, path);
    TinyNet loaded = new TinyNet(2);
    LoadReport report = Weights.load(loaded, path);

    assertThat(report.isComplete()).isTrue();
    assertThat(report.loaded())
        .containsExactly("fc1.weight", "fc1.bias", "bn.running_mean", "bn.num_batches_tracked", "fc2.weight",
            "fc2.bias")
        .inOrder();
    for (Parameter p : saved.state()) {
      assertThat(bits(loaded.parameter(p.name()).value())).isEqualTo(bits(p.value()));
    }
  }

  @Test
  void counterIsWrittenAsInt64AndTheRestAsFloat32() throws IOException {
    TinyNet net = new TinyNet(1);
    net.parameter("bn.num_batches_tracked").value()[0] = 3;
    Path path = dir.resolve("tiny.safetensors");
    Weights.save(net, path, Map.of("note", "hello"));

    SafetensorsFile file = SafetensorsFile.read(path);
    assertThat(file.dtype("bn.num_batches_tracked")).isEqualTo("I64");
    assertThat(file.shape("bn.num_batches_tracked")).isEmpty();
    assertThat(file.longs("bn.num_batches_tracked")).asList().containsExactly(3L);
    assertThat(file.dtype("fc1.weight")).isEqualTo("F32");
    assertThat(file.shape("fc1.weight")).asList().containsExactly(4L, 3L).inOrder();
    assertThat(file.metadata()).containsExactly("note", "hello");
  }

  /** Checks the bytes by hand, without the reader: length field, exact header text, padding, offsets, data. */
  @Test
  void writtenFileIsValidSafetensorsByHand() throws IOException {
    TinyNet net = new TinyNet(1);
    net.parameter("bn.num_batches_tracked").value()[0] = 5;
    Path path = dir.resolve("tiny.safetensors");
    Weights.save(net, path);
    byte[] bytes = Files.readAllBytes(path);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);

    long n = b.getLong(0);
    assertThat(n % 8).isEqualTo(0);
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    // The reference layout: I64 before F32 (larger dtype first), then names in byte order; compact JSON.
    String json = "{"
        + "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
        + "\"bn.running_mean\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]},"
        + "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]},"
        + "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[40,88]},"
        + "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[88,96]},"
        + "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[96,128]}"
        + "}";
    assertThat(header.trim()).isEqualTo(json);
    assertThat(header.substring(json.length()).chars().allMatch(c -> c == ' ')).isTrue();
    assertThat(n - json.length()).isLessThan(8L);
    int data = 8 + (int) n;
    assertThat(bytes.length).isEqualTo(data + 128);
    assertThat(b.getLong(data)).isEqualTo(5L);
    float[] w = net.parameter("fc1.weight").value();
    for (int i = 0; i < w.length; i++) {
      assertThat(b.getFloat(data + 40 + 4 * i)).isEqualTo(w[i]);
    }
    assertThat(b.getFloat(data + 96)).isEqualTo(net.parameter("fc2.weight").value()[0]);
  }

  /** The writer reproduces, byte for byte, a file that PyTorch's safetensors wrote. */
  @Test
  void writerReproducesPyTorchFileExactly() throws IOException {
    byte[] golden = SafetensorsFileTest.resource("dense_0.safetensors");
    SafetensorsFile file = SafetensorsFile.parse(golden);
    SafetensorsWriter writer = new SafetensorsWriter().metadata(file.metadata());
    // Added in reverse to show the writer orders tensors itself.
    List<String> names = new ArrayList<>(file.names());
    Collections.reverse(names);
    for (String name : names) {
      long[] s = file.shape(name);
      int[] shape = new int[s.length];
      for (int i = 0; i < s.length; i++) {
        shape[i] = (int) s[i];
      }
      writer.addF32(name, shape, file.floats(name));
    }
    assertThat(writer.toBytes()).isEqualTo(golden);
  }

  @Test
  void strictLoadNamesMissingAndUnexpectedAndKeepsWeights() throws IOException {
    Path path = dir.resolve("other.safetensors");
    Weights.save(new TinyNet(1, "encoder", "fc2"), path);
    TinyNet net = new TinyNet(2);
    float[][] before = net.snapshot();

    WeightFileException e = assertThrows(WeightFileException.class, () -> Weights.load(net, path));

    assertThat(e).hasMessageThat().contains("missing from the file: [fc1.weight, fc1.bias]");
    assertThat(e).hasMessageThat().contains("not in the model: [encoder.bias, encoder.weight]");
    assertThat(e).hasMessageThat().contains(path.toString());
    assertThat(net.snapshot()).isEqualTo(before);
  }

  @Test
  void strictLoadNamesShapeMismatchWithBothShapesAndKeepsWeights() throws IOException {
    Path path = dir.resolve("wide.safetensors");
    Weights.save(new TinyNet(1, "fc1", "fc2", 5), path);
    TinyNet net = new TinyNet(2);
    float[][] before = net.snapshot();

    WeightFileException e = assertThrows(WeightFileException.class, () -> Weights.load(net, path));

    assertThat(e).hasMessageThat().contains("fc1.weight (file F32 [5, 3] vs model F32 [4, 3])");
    assertThat(e).hasMessageThat().contains("fc2.weight (file F32 [2, 5] vs model F32 [2, 4])");
    assertThat(e).hasMessageThat().contains("bn.running_mean (file F32 [5] vs model F32 [4])");
    assertThat(e).hasMessageThat().doesNotContain("fc2.bias");
    assertThat(net.snapshot()).isEqualTo(before);
  }

  @Test
  void strictLoadRejectsWrongDtype() throws IOException {
    // fc1.weight stored as integers: the wrong file, not something to convert silently.
    TinyNet source = new TinyNet(1);
    SafetensorsWriter writer = new SafetensorsWriter();
    for (Parameter p : source.state()) {
      if (p.name().equals("fc1.weight")) {
        writer.addI64(p.name(), p.shape(), new long[p.size()]);
      } else if (p.name().endsWith("num_batches_tracked")) {
        writer.addF32(p.name(), p.shape(), p.value()); // a counter as float: also wrong
      } else {
        writer.addF32(p.name(), p.shape(), p.value());
      }
    }
    TinyNet net = new TinyNet(2);
    float[][] before = net.snapshot();

    WeightFileException e = assertThrows(
        WeightFileException.class, () -> Weights.load(net, SafetensorsFile.parse(writer.toBytes()),
            LoadOptions.strict()));

    assertThat(e).hasMessageThat().contains("fc1.weight (file I64 [4, 3] vs model F32 [4, 3])");
    assertThat(e).hasMessageThat().contains("bn.num_batches_tracked (file F32 [] vs model I64 [])");
    assertThat(net.snapshot()).isEqualTo(before);
  }

  @Test
  void loadsHalfPrecisionWeightsConverted() throws IOException {
    TinyNet net = new TinyNet(2);
    SafetensorsWriter writer = new SafetensorsWriter();
    Weights.addState(writer, net.state());
    // Replace fc1.bias with a hand-made BF16 tensor by building the file directly.
    byte[] f32 = writer.toBytes();
    SafetensorsFile original = SafetensorsFile.parse(f32);
    StringBuilder header = new StringBuilder("{");
    ByteBuffer data = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    for (String name : original.names()) {
      int begin = data.position();
      String dtype = original.dtype(name);
      if (name.equals("fc1.bias")) {
        dtype = "BF16";
        data.putShort((short) 0x3F80).putShort((short) 0xC000).putShort((short) 0).putShort((short) 0x3F00);
      } else if (dtype.equals("I64")) {
        data.putLong(9);
      } else {
        for (float v : original.floats(name)) {
          data.putFloat(v);
        }
      }
      header.append(header.length() > 1 ? "," : "").append('"').append(name).append("\":{\"dtype\":\"")
          .append(dtype).append("\",\"shape\":").append(Arrays.toString(original.shape(name))
              .replace(" ", "")).append(",\"data_offsets\":[").append(begin).append(',').append(data.position())
          .append("]}");
    }
    byte[] bytes = SafetensorsFileTest.file(header.append('}').toString(),
        Arrays.copyOf(data.array(), data.position()));

    Weights.load(net, SafetensorsFile.parse(bytes), LoadOptions.strict());

    assertThat(net.parameter("fc1.bias").value()).usingExactEquality().containsExactly(1f, -2f, 0f, 0.5f).inOrder();
    assertThat(net.parameter("bn.num_batches_tracked").value()[0]).isEqualTo(9f);
  }

  @Test
  void nonStrictLoadsWhatMatchesAndReportsTheRest() throws IOException {
    Path path = dir.resolve("other.safetensors");
    TinyNet source = new TinyNet(1, "encoder", "fc2");
    Weights.save(source, path);
    TinyNet net = new TinyNet(2);
    float[] fc1Before = net.parameter("fc1.weight").value().clone();

    LoadReport report = Weights.load(net, path, LoadOptions.nonStrict());

    assertThat(report.isComplete()).isFalse();
    assertThat(report.loaded())
        .containsExactly("bn.running_mean", "bn.num_batches_tracked", "fc2.weight", "fc2.bias").inOrder();
    assertThat(report.missing()).containsExactly("fc1.weight", "fc1.bias").inOrder();
    assertThat(report.unexpected()).containsExactly("encoder.bias", "encoder.weight").inOrder();
    assertThat(report.mismatched()).isEmpty();
    assertThat(net.parameter("fc2.weight").value()).isEqualTo(source.parameter("fc2.weight").value());
    assertThat(net.parameter("fc1.weight").value()).isEqualTo(fc1Before);
    assertThat(report.toString()).contains("missing from the file: [fc1.weight, fc1.bias]");
  }

  @Test
  void nonStrictSkipsShapeMismatches() throws IOException {
    Path path = dir.resolve("wide.safetensors");
    Weights.save(new TinyNet(1, "fc1", "fc2", 5), path);
    TinyNet net = new TinyNet(2);
    float[] before = net.parameter("fc1.weight").value().clone();

    LoadReport report = Weights.load(net, path, LoadOptions.nonStrict());

    assertThat(report.mismatched()).containsEntry("fc1.weight", "file F32 [5, 3] vs model F32 [4, 3]");
    assertThat(report.loaded()).containsExactly("bn.num_batches_tracked", "fc2.bias").inOrder();
    assertThat(net.parameter("fc1.weight").value()).isEqualTo(before);
  }

  @Test
  void saveReplacesExistingFile() throws IOException {
    Path path = dir.resolve("tiny.safetensors");
    Files.writeString(path, "old contents");
    TinyNet net = new TinyNet(1);
    Weights.save(net, path);
    TinyNet loaded = new TinyNet(2);
    Weights.load(loaded, path);
    assertThat(loaded.snapshot()).isEqualTo(net.snapshot());
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("tiny.safetensors");
    }
  }

  @Test
  void missingFileIsAPlainIoError() {
    IOException e = assertThrows(IOException.class, () -> Weights.load(new TinyNet(1), dir.resolve("absent")));
    assertThat(e).isNotInstanceOf(WeightFileException.class);
  }

  static int[] bits(float[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Float.floatToRawIntBits(v[i]);
    }
    return out;
  }
}
