package dev.kiln.processor.generate;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import javax.lang.model.element.Modifier;

/** Small helpers shared by the layer writers. */
final class Methods {
  static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);
  static final TypeName INTS = ArrayTypeName.of(TypeName.INT);
  static final com.palantir.javapoet.ClassName ELEMENTWISE =
      com.palantir.javapoet.ClassName.get("dev.kiln.runtime.kernel", "Elementwise");
  static final com.palantir.javapoet.ClassName RNG = com.palantir.javapoet.ClassName.get("dev.kiln.runtime", "Rng");

  private Methods() {}

  /** A {@code private static void} kernel method; static so HotSpot sees no receiver and inlines freely. */
  static MethodSpec.Builder kernel(String name, String doc, Object... args) {
    return MethodSpec.methodBuilder(name)
        .addJavadoc(doc, args)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC);
  }

  /** The method name of a layer's pass: {@code conv1Forward}. */
  static String pass(String layer, String pass) {
    return layer + pass;
  }
}
