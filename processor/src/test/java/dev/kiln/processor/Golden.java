package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.io.SafetensorsFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** PyTorch's reference cases (copied into test resources) and the tolerance they are compared with. */
final class Golden {
  /** References are float64 results stored as float32; a float32 implementation differs by rounding. */
  static final double RELATIVE = 1e-4;
  static final double ABSOLUTE = 1e-5;

  private Golden() {}

  /** The case files whose name starts with {@code prefix}, sorted. */
  static List<Path> cases(String prefix) {
    try {
      Path dir = Path.of(Golden.class.getResource("/golden").toURI());
      try (Stream<Path> files = Files.list(dir)) {
        return files.filter(p -> p.getFileName().toString().startsWith(prefix))
            .filter(p -> p.getFileName().toString().endsWith(".safetensors"))
            .sorted()
            .toList();
      }
    } catch (IOException | URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static String caseName(Path file) {
    return file.getFileName().toString().replace(".safetensors", "");
  }

  static SafetensorsFile read(Path file) {
    try {
      return SafetensorsFile.read(file);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String config(SafetensorsFile file) {
    return file.metadata().get("config");
  }

  /** A string field of the flat config JSON. */
  static String string(String config, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(config);
    return m.find() ? m.group(1) : null;
  }

  /** A number field of the flat config JSON, or NaN when absent. */
  static double number(String config, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(-?[0-9.eE+-]+)").matcher(config);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  static boolean bool(String config, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(true|false)").matcher(config);
    return m.find() && m.group(1).equals("true");
  }

  /** An int-array field of the flat config JSON. */
  static int[] ints(String config, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(config);
    if (!m.find()) {
      return null;
    }
    List<Integer> values = new ArrayList<>();
    for (String s : m.group(1).split(",")) {
      if (!s.isBlank()) {
        values.add(Integer.parseInt(s.trim()));
      }
    }
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  /** {@code {a, b}} for annotation source. */
  static String array(int[] values) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < values.length; i++) {
      sb.append(i > 0 ? ", " : "").append(values[i]);
    }
    return sb.append('}').toString();
  }

  /** Asserts {@code actual} matches {@code expected} elementwise within the golden tolerance. */
  static void assertClose(String what, float[] expected, float[] actual) {
    assertWithMessage("%s: length", what).that(actual.length).isAtLeast(expected.length);
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(expected[i] - actual[i]) - (ABSOLUTE + RELATIVE * Math.abs(expected[i]));
      if (err > worst || Double.isNaN(actual[i])) {
        worst = Double.isNaN(actual[i]) ? Double.POSITIVE_INFINITY : err;
        at = i;
      }
    }
    if (at >= 0) {
      throw new AssertionError(what + ": element " + at + " is " + actual[at] + ", PyTorch has " + expected[at]);
    }
  }
}
