package dev.kiln.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.runtime.io.SafetensorsFileTest.file;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per way a safetensors file can be wrong: each must fail with a {@link WeightFileException} whose message
 * says what is wrong, and nothing else.
 */
class HostileFileTest {
  @TempDir Path dir;

  /** A valid file: tensors a (F32 [2]) and b (F32 [1]) in 12 data bytes. */
  private static final String GOOD = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";

  private static String rejected(byte[] bytes) {
    return assertThrows(WeightFileException.class, () -> SafetensorsFile.parse(bytes)).getMessage();
  }

  private static String rejected(String header, int dataBytes) {
    return rejected(file(header, new byte[dataBytes]));
  }

  private static String tensor(String dtype, String shape, String offsets) {
    return "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}";
  }

  private static byte[] withLengthField(byte[] bytes, long length) {
    byte[] copy = bytes.clone();
    ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
    return copy;
  }

  @Test
  void goodFileParses() throws WeightFileException {
    assertThat(SafetensorsFile.parse(file(GOOD, new byte[12])).names()).containsExactly("a", "b").inOrder();
    assertThat(SafetensorsFile.parse(file("{}", new byte[0])).names()).isEmpty();
  }

  @Test
  void headerLengthBeyondLimit() {
    assertThat(rejected(withLengthField(file(GOOD, new byte[12]), 200_000_000L)))
        .contains("header length 200000000 exceeds the limit");
    // The field is unsigned: all ones is 2^64 - 1, not -1.
    assertThat(rejected(withLengthField(file(GOOD, new byte[12]), -1L)))
        .contains("header length 18446744073709551615 exceeds the limit");
  }

  @Test
  void headerLengthBeyondFile() {
    assertThat(rejected(withLengthField(file(GOOD, new byte[12]), 5000)))
        .contains("header length 5000 exceeds the");
  }

  @Test
  void headerLengthZero() {
    assertThat(rejected(withLengthField(file(GOOD, new byte[12]), 0))).contains("too short");
  }

  @Test
  void tooShortForLengthField() {
    assertThat(rejected(new byte[7])).contains("too short");
    assertThat(rejected(new byte[0])).contains("too short");
  }

  @Test
  void headerNotAnObject() {
    assertThat(rejected("[1,2]", 0)).contains("does not start with '{'");
    assertThat(rejected(" {}", 0)).contains("does not start with '{'");
    // A PyTorch pickle (zip) file handed over by mistake.
    assertThat(rejected("PK\u0003\u0004rest", 0)).contains("does not start with '{'");
  }

  @Test
  void malformedJson() {
    assertThat(rejected("{\"t\" {}}", 0)).contains("expected ':'");
    assertThat(rejected("{\"t\":{\"dtype\":\"F32\",},}", 0)).contains("malformed header JSON");
    assertThat(rejected("{'t':1}", 0)).contains("expected a string");
    assertThat(rejected("{\"t", 0)).contains("string not terminated");
    assertThat(rejected("{}x", 0)).contains("after the end of the header object");
    assertThat(rejected("{}{}", 0)).contains("after the end of the header object");
    assertThat(rejected("{\"a\\q\":1}", 0)).contains("invalid escape");
    assertThat(rejected("{\"a\\ud800\":1}", 0)).contains("surrogate");
    assertThat(rejected("{\"a\\udc00\":1}", 0)).contains("lone low surrogate");
    assertThat(rejected("{\"a\\u12\"}", 0)).contains("escape");
    assertThat(rejected("{\"a\nb\":1}", 0)).contains("raw control character");
    assertThat(rejected("{\"a\":", 0)).contains("expected '{' but found the end");
    assertThat(rejected(tensor("F32", "[01]", "[0,4]"), 4)).contains("leading zero");
    assertThat(rejected(tensor("F32", "[1,]", "[0,4]"), 4)).contains("expected a number");
    assertThat(rejected(tensor("F32", "[-]", "[0,4]"), 4)).contains("malformed number");
    assertThat(rejected(tensor("F32", "[1.]", "[0,4]"), 4)).contains("malformed number");
    assertThat(rejected(tensor("F32", "1", "[0,4]"), 4)).contains("expected '['");
  }

  @Test
  void invalidUtf8() {
    byte[] bytes = file("{\"ab\":1}", new byte[0]);
    bytes[10] = (byte) 0xC3; // a lead byte followed by an ASCII byte
    assertThat(rejected(bytes)).contains("not valid UTF-8");
  }

  @Test
  void escapedNamesAreDecoded() throws WeightFileException {
    SafetensorsFile f = SafetensorsFile.parse(file(
        "{\"a\\u00e9\\ud83d\\ude00\\\"\\n\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]));
    assertThat(f.names()).containsExactly("a\u00e9\ud83d\ude00\"\n");
  }

  @Test
  void unknownDtype() {
    assertThat(rejected(tensor("F128", "[1]", "[0,16]"), 16)).contains("unsupported dtype 'F128'");
    assertThat(rejected(tensor("f32", "[1]", "[0,4]"), 4)).contains("unsupported dtype 'f32'");
  }

  @Test
  void badShapeValues() {
    assertThat(rejected(tensor("F32", "[-1]", "[0,4]"), 4)).contains("must not be negative, found -1");
    assertThat(rejected(tensor("F32", "[2.0]", "[0,8]"), 8)).contains("expected a whole number, found 2.0");
    assertThat(rejected(tensor("F32", "[1e1]", "[0,40]"), 40)).contains("expected a whole number, found 1e1");
    assertThat(rejected(tensor("F32", "[\"2\"]", "[0,8]"), 8)).contains("expected a number");
    assertThat(rejected(tensor("F32", "[99999999999999999999]", "[0,8]"), 8)).contains("too large");
  }

  @Test
  void shapeProductOverflows() {
    assertThat(rejected(tensor("F32", "[4294967296,4294967296,4294967296]", "[0,4]"), 4))
        .contains("more elements than 64 bits can count");
    // The element count fits, but times 8 bytes it does not.
    assertThat(rejected(tensor("F64", "[2305843009213693952]", "[0,8]"), 8))
        .contains("more elements than 64 bits can count");
  }

  @Test
  void offsetsOutsideData() {
    assertThat(rejected(tensor("F32", "[250]", "[0,1000]"), 12)).contains("beyond the data area of 12 bytes");
    assertThat(rejected(tensor("F32", "[1]", "[9223372036854775803,9223372036854775807]"), 4))
        .contains("beyond the data area");
  }

  @Test
  void offsetsEndBeforeBegin() {
    assertThat(rejected(tensor("F32", "[1]", "[8,4]"), 12)).contains("end before begin");
  }

  @Test
  void offsetsWrongCount() {
    assertThat(rejected(tensor("F32", "[1]", "[0,4,8]"), 4)).contains("must be [begin, end]");
    assertThat(rejected(tensor("F32", "[1]", "[4]"), 4)).contains("must be [begin, end]");
  }

  @Test
  void byteLengthDoesNotMatchDtypeAndShape() {
    assertThat(rejected(tensor("F32", "[3]", "[0,8]"), 8)).contains("hold 8 bytes, but F32 [3] needs 3 x 4 = 12");
    assertThat(rejected(tensor("F16", "[4]", "[0,4]"), 4)).contains("needs 4 x 2 = 8");
  }

  @Test
  void overlappingTensors() {
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    assertThat(rejected(header, 12)).contains("tensors 'a' [0, 8] and 'b' [4, 12] overlap");
    String same = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    assertThat(rejected(same, 8)).contains("overlap");
  }

  @Test
  void gapsAndTrailingBytes() {
    assertThat(rejected(tensor("F32", "[1]", "[4,8]"), 8)).contains("data bytes [0, 4) belong to no tensor");
    assertThat(rejected(tensor("F32", "[1]", "[0,4]"), 8)).contains("holds 8 bytes but the tensors account for 4");
  }

  @Test
  void truncatedFiles() throws IOException {
    byte[] good = file(GOOD, new byte[12]);
    for (int length = 0; length < good.length; length++) {
      byte[] cut = Arrays.copyOf(good, length);
      rejected(cut);
      Path path = dir.resolve("cut" + length);
      Files.write(path, cut);
      WeightFileException e = assertThrows(WeightFileException.class, () -> SafetensorsFile.read(path));
      assertThat(e).hasMessageThat().startsWith(path.toString());
    }
    assertThat(rejected(Arrays.copyOf(good, good.length - 1))).contains("beyond the data area of 11 bytes");
  }

  @Test
  void duplicateKeys() {
    assertThat(rejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)).contains("duplicate tensor name 'a'");
    assertThat(rejected("{\"t\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4))
        .contains("duplicate field 'dtype'");
    assertThat(rejected("{\"__metadata__\":{},\"__metadata__\":{}}", 0)).contains("duplicate key '__metadata__'");
    assertThat(rejected("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0)).contains("duplicate __metadata__ key 'k'");
  }

  @Test
  void missingAndUnknownFields() {
    assertThat(rejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4)).contains("needs 'dtype', 'shape' and");
    assertThat(rejected("{\"t\":{}}", 0)).contains("needs 'dtype'");
    assertThat(rejected("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4))
        .contains("unknown field 'x'");
    assertThat(rejected("{\"t\":5}", 0)).contains("expected '{'");
  }

  @Test
  void metadataMustMapStringsToStrings() {
    assertThat(rejected("{\"__metadata__\":{\"k\":1}}", 0)).contains("must be a string");
    assertThat(rejected("{\"__metadata__\":[]}", 0)).contains("expected '{'");
  }

  @Test
  void hugeNamesAreShortenedInMessages() {
    String name = "x".repeat(100_000);
    String message = rejected("{\"" + name + "\":{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,0]}}", 0);
    assertThat(message.length()).isLessThan(400);
  }

  @Test
  void directoryIsAnIoErrorNotACrash() {
    // A directory is not a file: reading it is an I/O error, not a format error, and certainly not a crash.
    assertThrows(IOException.class, () -> SafetensorsFile.read(dir));
  }
}
