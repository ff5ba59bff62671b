package dev.kiln.runtime.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a class's {@code main} in a fresh JVM on this test's class path with one system property set: for the
 * kernels' constants that a property forces, which a JVM reads once, when the class is first used.
 */
final class FreshJvm {
  private FreshJvm() {}

  /** The output of {@code main} (or of its error), trimmed. */
  static String run(Class<?> main, String property, String value) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(List.of(java.toString(), "-D" + property + "=" + value,
            "-cp", System.getProperty("java.class.path"), main.getName()))
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    process.waitFor();
    return output;
  }
}
