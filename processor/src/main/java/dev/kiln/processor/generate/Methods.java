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

  /**
   * A readable integer expression {@code v1 * c1 + v2 * c2 + constant}, dropping factors of one and terms of zero,
   * so generated code reads {@code oh * 2 - 1} rather than {@code oh * 2 + kh * 1 - 1}. Arguments: variable and
   * coefficient pairs, then the constant.
   */
  static String linear(Object... termsThenConstant) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i + 1 < termsThenConstant.length; i += 2) {
      String var = (String) termsThenConstant[i];
      int coefficient = (Integer) termsThenConstant[i + 1];
      if (coefficient == 0) {
        continue;
      }
      sb.append(sb.length() == 0 ? "" : " + ").append(var).append(coefficient == 1 ? "" : " * " + coefficient);
    }
    int constant = (Integer) termsThenConstant[termsThenConstant.length - 1];
    if (sb.length() == 0) {
      return Integer.toString(constant);
    }
    if (constant != 0) {
      sb.append(constant > 0 ? " + " : " - ").append(Math.abs(constant));
    }
    return sb.toString();
  }

  /** The method name of a layer's pass: {@code conv1Forward}. */
  static String pass(String layer, String pass) {
    return layer + pass;
  }
}
