package dev.kiln.processor.read;

import java.util.List;
import javax.lang.model.element.TypeElement;

/** A type annotated {@code @Network}, its annotation's values, and its methods in source order. */
public record NetworkDeclaration(TypeElement type, Attributes network, List<LayerDeclaration> methods) {
  public NetworkDeclaration {
    methods = List.copyOf(methods);
  }
}
