package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's "Compile errors you will see" shows javac's exact output for three broken copies of
 * {@code LeNet5.java} (in {@code src/test/resources/compile-errors}). This test compiles each copy with the real
 * processor, as javac on the command line would from the {@code samples} directory, and checks that the README holds
 * that output verbatim, so the page changes when a message does.
 */
class CompileErrorsShowcaseTest {
  static final String SECTION = "## Compile errors you will see";
  static final String CASES = "kernel-too-large, groups, residual";

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"kernel-too-large", "groups", "residual"})
  void readmeShowsJavacsExactOutput(String name, @TempDir Path out) throws IOException {
    String output = javac(name, out);
    assertThat(output).contains(": error: [");
    String section = ReadmeTest.section(ReadmeTest.readme(), SECTION);
    assertWithMessage("README section '%s' must hold javac's output for %s verbatim; update it to:%n%s", SECTION,
        name, output).that(section).contains("```text\n" + output + "```\n");
  }

  @Test
  void readmeShowsNoOtherOutput() throws IOException {
    String section = ReadmeTest.section(ReadmeTest.readme(), SECTION);
    assertWithMessage("text blocks in '%s' (one per case: %s)", SECTION, CASES)
        .that(section.split("```text\n", -1).length - 1).isEqualTo(3);
  }

  /**
   * Compiles the broken copy {@code name} and returns what javac prints. The file object names itself
   * {@code src/main/java/dev/kiln/samples/LeNet5.java}, the path javac prints when run in {@code samples/}.
   */
  static String javac(String name, Path out) throws IOException {
    String source;
    try (InputStream in = CompileErrorsShowcaseTest.class.getResourceAsStream(
        "/compile-errors/" + name + "/LeNet5.java")) {
      assertWithMessage("broken copy %s", name).that(in).isNotNull();
      source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String path = "src/main/java/dev/kiln/samples/LeNet5.java";
    JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }

      @Override
      public String getName() {
        return path;
      }
    };
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter printed = new StringWriter();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
      // The test class path holds the annotations, the runtime and the processor (a provided dependency): the
      // processor is found through its service entry, as javac finds it on a user's class path.
      List<String> options = List.of("-classpath", System.getProperty("java.class.path"),
          "-processor", "dev.kiln.processor.KilnProcessor", "-d", out.toString(), "-s", out.toString());
      Boolean ok = javac.getTask(printed, files, null, options, null, List.of(file)).call();
      assertWithMessage("the broken copy %s compiled", name).that(ok).isFalse();
    }
    return printed.toString();
  }
}
