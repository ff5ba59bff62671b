package dev.kiln.runtime.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds thousands of damaged files to the loader: bit flips, truncations, edited length fields, offsets and shapes,
 * spliced header characters and pure noise. Each must either load or fail with a {@link WeightFileException}, and a
 * failed load must leave the model's weights bit for bit as they were. Seeded, so any failure reproduces.
 */
class FuzzLoadTest {
  /** 3000 by default (about a second); {@code -Dkiln.fuzz.cases=1000000} for a long run. */
  private static final int CASES = Integer.getInteger("kiln.fuzz.cases", 3000);
  private static final long SEED = 20240611L;
  private static final Pattern NUMBER = Pattern.compile("\\d+");
  private static final Pattern SHAPE = Pattern.compile("\"shape\":\\[[^\\]]*\\]");
  private static final Pattern OFFSETS = Pattern.compile("\"data_offsets\":\\[[^\\]]*\\]");
  private static final String JSON_CHARS = "{}[]\":,\\ -.eE0123456789FIU";

  @TempDir Path dir;

  @Test
  void damagedFilesOnlyEverFailCleanly() throws IOException {
    TinyNet source = new TinyNet(1);
    source.parameter("bn.num_batches_tracked").value()[0] = 12;
    SafetensorsWriter writer = new SafetensorsWriter().metadata("note", "fuzz base");
    Weights.addState(writer, source.state());
    byte[] base = writer.toBytes();
    Random random = new Random(SEED);
    TinyNet net = new TinyNet(2);
    int loaded = 0;
    int rejected = 0;
    int[] byKind = new int[8];

    for (int i = 0; i < CASES; i++) {
      int kind = random.nextInt(8);
      byte[] bytes = mutate(kind, base, random);
      byKind[kind]++;
      float[][] before = net.snapshot();
      LoadOptions options = random.nextBoolean() ? LoadOptions.strict() : LoadOptions.nonStrict();
      try {
        if (i % 20 == 0) {
          // Now and then through a real file, so the FileChannel path meets the same damage.
          Path path = dir.resolve("case.safetensors");
          Files.write(path, bytes);
          Weights.load(net, path, options);
        } else {
          Weights.load(net, SafetensorsFile.parse(bytes), options);
        }
        loaded++;
      } catch (WeightFileException e) {
        rejected++;
        assertThat(e.getMessage()).isNotEmpty();
        if (!Arrays.deepEquals(net.snapshot(), before)) {
          fail("case " + i + " (mutation " + kind + ") failed but changed the weights: " + e.getMessage());
        }
      } catch (Throwable t) {
        throw new AssertionError("case " + i + " (mutation " + kind + ") threw " + t, t);
      }
    }

    // The mix must actually exercise both outcomes, or the test proves nothing.
    assertThat(loaded).isGreaterThan(CASES / 20);
    assertThat(rejected).isGreaterThan(CASES / 2);
    System.out.printf("fuzz: %d cases, %d loaded, %d rejected%n", CASES, loaded, rejected);
    for (int count : byKind) {
      assertThat(count).isGreaterThan(CASES / 16);
    }
  }

  private static byte[] mutate(int kind, byte[] base, Random random) {
    return switch (kind) {
      case 0 -> flipBits(base, random);
      case 1 -> Arrays.copyOf(base, random.nextInt(base.length));
      case 2 -> editLengthField(base, random);
      case 3 -> editHeader(base, random, OFFSETS);
      case 4 -> editHeader(base, random, SHAPE);
      case 5 -> spliceHeaderCharacter(base, random);
      case 6 -> noise(random);
      default -> insertOrDelete(base, random);
    };
  }

  private static byte[] flipBits(byte[] base, Random random) {
    byte[] b = base.clone();
    int flips = 1 + random.nextInt(8);
    // Half the time only in the data area: such files are valid and must load (with the damaged values).
    int from = random.nextBoolean() ? 0 : 8 + headerLength(base);
    for (int f = 0; f < flips; f++) {
      int at = from + random.nextInt(b.length - from);
      b[at] ^= (byte) (1 << random.nextInt(8));
    }
    return b;
  }

  private static byte[] editLengthField(byte[] base, Random random) {
    long length = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    long edited = switch (random.nextInt(4)) {
      case 0 -> length + random.nextInt(33) - 16;
      case 1 -> random.nextLong();
      case 2 -> random.nextInt(base.length + 100);
      default -> Long.MAX_VALUE - random.nextInt(3);
    };
    byte[] b = base.clone();
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, edited);
    return b;
  }

  /** Replaces one number inside a random match of {@code where} and rebuilds the file with a correct length. */
  private static byte[] editHeader(byte[] base, Random random, Pattern where) {
    String header = header(base);
    List<int[]> spots = new ArrayList<>();
    Matcher m = where.matcher(header);
    while (m.find()) {
      Matcher n = NUMBER.matcher(header).region(m.start(), m.end());
      while (n.find()) {
        spots.add(new int[] {n.start(), n.end()});
      }
    }
    String edited;
    if (spots.isEmpty()) {
      edited = header;
    } else {
      int[] spot = spots.get(random.nextInt(spots.size()));
      String old = header.substring(spot[0], spot[1]);
      String replacement = switch (random.nextInt(7)) {
        case 0 -> Integer.toString(Integer.parseInt(old) + random.nextInt(9) - 4);
        case 1 -> "-" + old;
        case 2 -> old + ".5";
        case 3 -> Long.toString(random.nextLong() & Long.MAX_VALUE);
        case 4 -> "18446744073709551616";
        case 5 -> "4294967296,4294967296";
        default -> Integer.toString(random.nextInt(200));
      };
      edited = header.substring(0, spot[0]) + replacement + header.substring(spot[1]);
    }
    return rebuild(edited, data(base));
  }

  private static byte[] spliceHeaderCharacter(byte[] base, Random random) {
    StringBuilder header = new StringBuilder(header(base));
    int at = random.nextInt(header.length());
    char c = JSON_CHARS.charAt(random.nextInt(JSON_CHARS.length()));
    switch (random.nextInt(3)) {
      case 0 -> header.setCharAt(at, c);
      case 1 -> header.insert(at, c);
      default -> header.deleteCharAt(at);
    }
    return rebuild(header.toString(), data(base));
  }

  private static byte[] noise(Random random) {
    byte[] b = new byte[random.nextInt(300)];
    random.nextBytes(b);
    if (b.length >= 8 && random.nextBoolean()) {
      // A plausible length field, so the noise reaches the JSON parser.
      ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, random.nextInt(b.length - 7));
      if (b.length > 8 && random.nextBoolean()) {
        b[8] = '{';
      }
    }
    return b;
  }

  private static byte[] insertOrDelete(byte[] base, Random random) {
    int at = random.nextInt(base.length);
    int count = 1 + random.nextInt(16);
    if (random.nextBoolean()) {
      byte[] b = new byte[base.length + count];
      System.arraycopy(base, 0, b, 0, at);
      for (int i = 0; i < count; i++) {
        b[at + i] = (byte) random.nextInt(256);
      }
      System.arraycopy(base, at, b, at + count, base.length - at);
      return b;
    }
    int end = Math.min(base.length, at + count);
    byte[] b = new byte[base.length - (end - at)];
    System.arraycopy(base, 0, b, 0, at);
    System.arraycopy(base, end, b, at, base.length - end);
    return b;
  }

  private static int headerLength(byte[] file) {
    return (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }

  private static String header(byte[] file) {
    return new String(file, 8, headerLength(file), StandardCharsets.UTF_8);
  }

  private static byte[] data(byte[] file) {
    return Arrays.copyOfRange(file, 8 + headerLength(file), file.length);
  }

  private static byte[] rebuild(String header, byte[] data) {
    return SafetensorsFileTest.file(header, data);
  }
}
