package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.runtime.Model;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;

/**
 * Compiles network interfaces in memory with the real processor, then loads and instantiates the generated class
 * against the real runtime, so tests drive the whole pipeline from source text.
 */
final class TestNetworks {
  private TestNetworks() {}

  static Compilation compile(String qualifiedName, String source) {
    return Compiler.javac()
        .withProcessors(new KilnProcessor())
        .compile(JavaFileObjects.forSourceString(qualifiedName, source));
  }

  /** Compiles {@code source} (which must compile cleanly) and returns a new instance of {@code generatedName}. */
  static Model instantiate(String qualifiedName, String source, String generatedName) {
    Compilation compilation = compile(qualifiedName, source);
    assertWithMessage("compiling %s: %s", qualifiedName, compilation.diagnostics())
        .that(compilation.status())
        .isEqualTo(Compilation.Status.SUCCESS);
    try {
      Class<?> type = new GeneratedClassLoader(compilation).loadClass(generatedName);
      return (Model) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot instantiate " + generatedName, e);
    }
  }

  /** A one-layer network {@code test.Net} with the given input shape and layer declaration. */
  static Model oneLayer(String input, String imports, String layer) {
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + imports
        + "@Network(input = " + input + ")\n"
        + "public interface Net {\n"
        + "  " + layer + "\n"
        + "}\n";
    return instantiate("test.Net", source, "test.Kiln_Net");
  }

  /**
   * A network {@code test.Net} (seed 3) with the given input shape and layer declarations, one or more lines of
   * annotated methods.
   */
  static Model network(String input, String layers) {
    return instantiate("test.Net", source(input, layers), "test.Kiln_Net");
  }

  /** The source of {@link #network}'s {@code test.Net}, for tests that read what the processor generates from it. */
  static String source(String input, String layers) {
    return "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = " + input + ", seed = 3)\n"
        + "public interface Net {\n"
        + "  " + layers + "\n"
        + "}\n";
  }

  /** The source {@link #compile} generates as {@code test.Kiln_Net} from {@link #source}. */
  static String generated(String input, String layers) throws java.io.IOException {
    return compile("test.Net", source(input, layers)).generatedSourceFile("test.Kiln_Net").orElseThrow()
        .getCharContent(true).toString();
  }

  /** The text of the method {@code name} in a generated source, from its name to its closing brace. */
  static String generatedMethod(String source, String name) {
    int start = source.indexOf(" void " + name + "(");
    assertThat(start).isAtLeast(0);
    return source.substring(start, source.indexOf("\n  }\n", start));
  }

  /** {@code count} values of {@code values} from {@code from}, as a new array. */
  static float[] slice(float[] values, int from, int count) {
    float[] part = new float[count];
    System.arraycopy(values, from, part, 0, count);
    return part;
  }

  /** Every value of {@code actual} has the bits of {@code expected}'s (both as long as {@code expected}). */
  static void assertSameBits(String what, float[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertWithMessage("%s [%s]", what, i).that(Float.floatToIntBits(actual[i]))
          .isEqualTo(Float.floatToIntBits(expected[i]));
    }
  }

  /** {@code count} draws of a standard normal from {@code random}: test inputs and output gradients. */
  static float[] gaussians(int count, java.util.Random random) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  /** Loads classes from a compilation's output, delegating the runtime's classes to the test class path. */
  static final class GeneratedClassLoader extends ClassLoader {
    private final Compilation compilation;

    GeneratedClassLoader(Compilation compilation) {
      super(TestNetworks.class.getClassLoader());
      this.compilation = compilation;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      Optional<JavaFileObject> file =
          compilation.generatedFile(StandardLocation.CLASS_OUTPUT, name.replace('.', '/') + ".class");
      if (file.isEmpty()) {
        throw new ClassNotFoundException(name);
      }
      try (InputStream in = file.get().openInputStream()) {
        byte[] bytes = in.readAllBytes();
        return defineClass(name, bytes, 0, bytes.length);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
