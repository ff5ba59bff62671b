package dev.kiln.processor.read;

import java.util.List;
import javax.lang.model.element.ExecutableElement;

/**
 * One method of a network interface as written: the method, every layer annotation on it (a valid layer has
 * exactly one), and its {@code @Residual}, if any (null otherwise).
 */
public record LayerDeclaration(ExecutableElement method, List<Annotated> annotations, Attributes residual) {
  public LayerDeclaration {
    annotations = List.copyOf(annotations);
  }

  /** A layer annotation on the method and its values. */
  public record Annotated(LayerKind kind, Attributes attributes) {}

  public String name() {
    return method.getSimpleName().toString();
  }
}
