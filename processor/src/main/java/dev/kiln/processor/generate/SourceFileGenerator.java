package dev.kiln.processor.generate;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.TypeSpec;
import java.io.IOException;
import javax.annotation.processing.Filer;
import javax.lang.model.element.Element;
import javax.lang.model.util.Elements;

/**
 * The base every generated file goes through: it records the originating element (so incremental builds know what
 * to redo), adds {@code @Generated} where the platform has it, suppresses warnings about generated code, and keeps
 * the layout fixed: no timestamps, so the same input always writes the same bytes.
 */
public abstract class SourceFileGenerator<T> {
  static final String PROCESSOR = "dev.kiln.processor.KilnProcessor";

  private final Filer filer;
  private final Elements elements;

  protected SourceFileGenerator(Filer filer, Elements elements) {
    this.filer = filer;
    this.elements = elements;
  }

  /** The generated type for {@code input}, without the common annotations. */
  protected abstract TypeSpec.Builder write(T input);

  protected abstract String packageName(T input);

  public final void generate(T input, Element originatingElement) throws IOException {
    TypeSpec.Builder type = write(input).addOriginatingElement(originatingElement);
    if (elements.getTypeElement("javax.annotation.processing.Generated") != null) {
      type.addAnnotation(AnnotationSpec.builder(ClassName.get("javax.annotation.processing", "Generated"))
          .addMember("value", "$S", PROCESSOR)
          .build());
    }
    type.addAnnotation(AnnotationSpec.builder(SuppressWarnings.class)
        .addMember("value", "$S", "all")
        .build());
    JavaFile.builder(packageName(input), type.build())
        .addStaticImport(Methods.MULTIPLY_ADD, "madd")
        .skipJavaLangImports(true)
        .indent("  ")
        .build()
        .writeTo(filer);
  }
}
