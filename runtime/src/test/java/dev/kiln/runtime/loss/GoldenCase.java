package dev.kiln.runtime.loss;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.io.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One PyTorch reference case from the test resources ({@code /golden/<case>.safetensors}, copied from the shared
 * golden set): its tensors, read with the runtime's own {@link SafetensorsFile}, and the values of its
 * {@code __metadata__.config}, so that tests take hyper-parameters from the file and a regenerated file with other
 * values or sizes still runs. Shared by the loss and optimizer tests.
 *
 * <p>The config lookups are not a JSON parser: the runtime's JSON reader ({@code dev.kiln.runtime.io.Json}) is
 * package-private and reads only the safetensors header schema, and these configs are small generator-written
 * objects ({@code json.dumps}) whose keys are unique, so a lookup by key is all that is needed. A key that is absent
 * or appears twice fails the test rather than guessing.
 */
public final class GoldenCase {
  private static final String VALUE =
      "(\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9.eE+-]*|true|false|null|\\[[^\\[\\]{}]*\\])";

  private final String name;
  private final SafetensorsFile file;
  private final String config;

  private GoldenCase(String name, SafetensorsFile file) {
    this.name = name;
    this.file = file;
    this.config = file.metadata().get("config");
    assertWithMessage("%s has a config", name).that(config).isNotNull();
  }

  /** Loads {@code /golden/<name>.safetensors} from the test class path. */
  public static GoldenCase load(String name) throws IOException {
    try (InputStream in = GoldenCase.class.getResourceAsStream("/golden/" + name + ".safetensors")) {
      if (in == null) {
        throw new IOException("missing test resource /golden/" + name + ".safetensors");
      }
      return new GoldenCase(name, SafetensorsFile.parse(in.readAllBytes()));
    }
  }

  /** The names of the cases in the test resources whose name starts with {@code prefix}, sorted. */
  public static List<String> list(String prefix) throws IOException {
    URL dir = GoldenCase.class.getResource("/golden");
    if (dir == null) {
      throw new IOException("missing test resources /golden");
    }
    try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix) && n.endsWith(".safetensors"))
          .map(n -> n.substring(0, n.length() - ".safetensors".length()))
          .sorted()
          .collect(Collectors.toList());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
  }

  public String name() {
    return name;
  }

  /** The raw config JSON, for messages. */
  public String config() {
    return config;
  }

  public float[] floats(String tensor) {
    return file.floats(tensor);
  }

  public int[] shape(String tensor) {
    long[] s = file.shape(tensor);
    int[] out = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = Math.toIntExact(s[i]);
    }
    return out;
  }

  public boolean has(String key) {
    return Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:").matcher(config).find();
  }

  /** The literal value of {@code key}, which must appear exactly once in the config. */
  private String raw(String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*" + VALUE).matcher(config);
    assertWithMessage("%s config has key '%s': %s", name, key, config).that(m.find()).isTrue();
    String value = m.group(1);
    assertWithMessage("%s config has key '%s' once: %s", name, key, config).that(m.find()).isFalse();
    return value;
  }

  public double number(String key) {
    String v = raw(key);
    if (v.equals("true") || v.equals("false")) {
      return v.equals("true") ? 1 : 0; // Python's bools are numbers too
    }
    return Double.parseDouble(v);
  }

  public double number(String key, double fallback) {
    return has(key) ? number(key) : fallback;
  }

  public boolean bool(String key) {
    String v = raw(key);
    assertWithMessage("%s config '%s' is a boolean", name, key).that(v).isAnyOf("true", "false");
    return v.equals("true");
  }

  public boolean bool(String key, boolean fallback) {
    return has(key) ? bool(key) : fallback;
  }

  public String string(String key) {
    String v = raw(key);
    assertWithMessage("%s config '%s' is a string", name, key).that(v).startsWith("\"");
    // the generator's strings carry no escapes beyond \" and \\
    return v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
  }

  public double[] numbers(String key) {
    String v = raw(key);
    assertWithMessage("%s config '%s' is an array", name, key).that(v).startsWith("[");
    List<Double> out = new ArrayList<>();
    for (String part : v.substring(1, v.length() - 1).split(",")) {
      if (!part.isBlank()) {
        out.add(Double.parseDouble(part.trim()));
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /**
   * Asserts {@code actual} matches the reference within a relative tolerance {@code rel} plus an absolute floor
   * {@code abs}: the references are float64 results stored as float32, the implementation computes in float.
   */
  public static void assertClose(String what, float[] actual, float[] expected, double rel, double abs) {
    assertWithMessage("%s: length", what).that(actual.length).isAtLeast(expected.length);
    for (int i = 0; i < expected.length; i++) {
      double tol = rel * Math.abs(expected[i]) + abs;
      assertWithMessage("%s[%s]: expected %s, got %s", what, i, expected[i], actual[i])
          .that((double) actual[i])
          .isWithin(tol)
          .of(expected[i]);
    }
  }
}
