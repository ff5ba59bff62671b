package dev.kiln.processor.read;

import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/**
 * Reads a {@code @Network} type into a {@link NetworkDeclaration}. Methods come in source order, which javac keeps
 * for {@code getEnclosedElements()}; that order is the order of the layers.
 */
public final class NetworkReader {
  public static final String NETWORK = "dev.kiln.annotations.Network";
  public static final String RESIDUAL = "dev.kiln.annotations.Residual";

  private final Elements elements;

  public NetworkReader(Elements elements) {
    this.elements = elements;
  }

  public NetworkDeclaration read(TypeElement type) {
    Attributes network = new Attributes(findAnnotation(type, NETWORK), elements);
    List<LayerDeclaration> methods = new ArrayList<>();
    for (Element e : type.getEnclosedElements()) {
      if (e.getKind() != ElementKind.METHOD) {
        continue;
      }
      List<LayerDeclaration.Annotated> layers = new ArrayList<>();
      Attributes residual = null;
      for (AnnotationMirror m : e.getAnnotationMirrors()) {
        String name = ((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().toString();
        if (name.equals(RESIDUAL)) {
          residual = new Attributes(m, elements);
        }
        LayerKind.forAnnotation(name)
            .ifPresent(kind -> layers.add(new LayerDeclaration.Annotated(kind, new Attributes(m, elements))));
      }
      methods.add(new LayerDeclaration((ExecutableElement) e, layers, residual));
    }
    return new NetworkDeclaration(type, network, methods);
  }

  /** The mirror of annotation {@code qualifiedName} on {@code element}. */
  public static AnnotationMirror findAnnotation(Element element, String qualifiedName) {
    for (AnnotationMirror m : element.getAnnotationMirrors()) {
      if (((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(qualifiedName)) {
        return m;
      }
    }
    throw new IllegalStateException(element + " has no @" + qualifiedName);
  }
}
