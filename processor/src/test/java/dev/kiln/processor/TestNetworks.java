package dev.kiln.processor;

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
    String source = "package test;\n"
        + "import dev.kiln.annotations.*;\n"
        + "import dev.kiln.runtime.layer.*;\n"
        + "@Network(input = " + input + ", seed = 3)\n"
        + "public interface Net {\n"
        + "  " + layers + "\n"
        + "}\n";
    return instantiate("test.Net", source, "test.Kiln_Net");
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
