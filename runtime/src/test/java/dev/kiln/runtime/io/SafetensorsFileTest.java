package dev.kiln.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading real safetensors files written by PyTorch (copied from the golden set), and the dtype conversions. */
class SafetensorsFileTest {
  @TempDir Path dir;

  static byte[] resource(String name) throws IOException {
    try (InputStream in = SafetensorsFileTest.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource /golden/" + name);
      }
      return in.readAllBytes();
    }
  }

  @Test
  void readsPyTorchDenseCase() throws IOException {
    Path path = dir.resolve("dense_0.safetensors");
    Files.write(path, resource("dense_0.safetensors"));

    SafetensorsFile file = SafetensorsFile.read(path);

    assertThat(file.names())
        .containsExactly("bias", "grad_bias", "grad_input", "grad_output", "grad_weight", "input", "output", "weight")
        .inOrder();
    assertThat(file.dtype("weight")).isEqualTo("F32");
    assertThat(file.shape("weight")).asList().containsExactly(5L, 7L).inOrder();
    assertThat(file.elementCount("input")).isEqualTo(21);
    // Values printed by Python's struct module from the same file.
    float[] bias = file.floats("bias");
    assertThat(bias).hasLength(5);
    assertThat(bias[0]).isEqualTo(-0.08773475885391235f);
    assertThat(bias[4]).isEqualTo(0.21872296929359436f);
    assertThat(file.floats("weight")[1]).isEqualTo(0.5964867472648621f);
    assertThat(file.metadata()).containsKey("config");
    assertThat(file.metadata().get("config")).contains("\"kind\": \"dense\"");
  }

  @Test
  void parseOfBytesMatchesReadOfFile() throws IOException {
    byte[] bytes = resource("net_mlp.safetensors");
    Path path = dir.resolve("net_mlp.safetensors");
    Files.write(path, bytes);

    SafetensorsFile fromFile = SafetensorsFile.read(path);
    SafetensorsFile fromBytes = SafetensorsFile.parse(bytes);

    assertThat(fromBytes.names()).containsExactlyElementsIn(fromFile.names()).inOrder();
    assertThat(fromFile.shape("param.fc1.weight")).asList().containsExactly(256L, 784L).inOrder();
    for (String name : fromFile.names()) {
      assertThat(fromBytes.floats(name)).isEqualTo(fromFile.floats(name));
    }
  }

  @Test
  void unknownNameIsAnArgumentError() throws IOException {
    SafetensorsFile file = SafetensorsFile.parse(resource("dense_0.safetensors"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> file.floats("nope"));
    assertThat(e).hasMessageThat().contains("nope");
  }

  @Test
  void convertsF16() throws WeightFileException {
    // 1.0, -2.0, 65504 (largest half), 2^-24 (smallest subnormal), -0.0, +inf, 0.333251953125 (nearest to 1/3)
    short[] halves = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, (short) 0x8000, 0x7C00, 0x3555};
    ByteBuffer data = ByteBuffer.allocate(halves.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short h : halves) {
      data.putShort(h);
    }
    float[] v = oneTensor("F16", "[7]", data.array()).floats("t");
    assertThat(v).usingExactEquality().containsExactly(
        1f, -2f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY, 0.333251953125f).inOrder();
    assertThat(Float.floatToRawIntBits(v[4])).isEqualTo(0x80000000);
    assertThat(SafetensorsFile.halfToFloat((short) 0x7E00)).isNaN();
  }

  @Test
  void convertsBf16() throws WeightFileException {
    // 1.0, -2.5, 3.140625 (pi in bfloat16), smallest normal 2^-126
    short[] values = {0x3F80, (short) 0xC020, 0x4049, 0x0080};
    ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : values) {
      data.putShort(s);
    }
    assertThat(oneTensor("BF16", "[2,2]", data.array()).floats("t"))
        .usingExactEquality().containsExactly(1f, -2.5f, 3.140625f, 0x1p-126f).inOrder();
  }

  @Test
  void convertsF64WithRounding() throws WeightFileException {
    ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    data.putDouble(0.1).putDouble(-1e300).putDouble(1.0 + 0x1p-30);
    assertThat(oneTensor("F64", "[3]", data.array()).floats("t"))
        .usingExactEquality().containsExactly(0.1f, Float.NEGATIVE_INFINITY, 1f).inOrder();
  }

  @Test
  void convertsIntegers() throws WeightFileException {
    ByteBuffer i64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(42).putLong(-7);
    SafetensorsFile f = oneTensor("I64", "[2]", i64.array());
    assertThat(f.floats("t")).usingExactEquality().containsExactly(42f, -7f).inOrder();
    assertThat(f.longs("t")).asList().containsExactly(42L, -7L).inOrder();

    ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(16777217).putInt(-3);
    assertThat(oneTensor("I32", "[2]", i32.array()).floats("t"))
        .usingExactEquality().containsExactly(16777216f, -3f).inOrder();

    assertThat(SafetensorsFile.unsignedLongToFloat(-1L)).isEqualTo(0x1p64f);
  }

  @Test
  void scalarAndEmptyTensors() throws WeightFileException {
    byte[] bytes = file(
        "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
            + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]}}",
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).array());
    SafetensorsFile f = SafetensorsFile.parse(bytes);
    assertThat(f.floats("s")).usingExactEquality().containsExactly(2.5f);
    assertThat(f.floats("e")).isEmpty();
    assertThat(f.metadata()).isEmpty();
  }

  @Test
  void rejectsObviousGarbage() {
    assertThrows(WeightFileException.class, () -> SafetensorsFile.parse(new byte[3]));
    assertThrows(WeightFileException.class, () -> SafetensorsFile.parse("not a safetensors file".getBytes()));
    WeightFileException e = assertThrows(
        WeightFileException.class,
        () -> SafetensorsFile.parse(file("{\"t\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}",
            new byte[1])));
    assertThat(e).hasMessageThat().contains("unsupported dtype 'F8_E4M3'");
  }

  @Test
  void readNamesThePathInMessages() throws IOException {
    Path path = dir.resolve("short.safetensors");
    Files.write(path, new byte[] {1, 2, 3});
    WeightFileException e = assertThrows(WeightFileException.class, () -> SafetensorsFile.read(path));
    assertThat(e).hasMessageThat().contains(path.toString());
  }

  /** A file holding one tensor {@code t} with the given dtype, shape (as JSON) and raw data. */
  static SafetensorsFile oneTensor(String dtype, String shape, byte[] data) throws WeightFileException {
    return SafetensorsFile.parse(file(
        "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[0," + data.length + "]}}",
        data));
  }

  /** Assembles a file from a header text and data, with a correct length field. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length)
        .put(h)
        .put(data)
        .array();
  }
}
