package dev.kiln.processor.validate;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/**
 * The problems found in one network. Each item keeps the most precise position known: the element, the annotation
 * on it, and the value inside the annotation, so javac underlines exactly what is wrong. Code is generated only from
 * a clean report.
 */
public final class Report {
  /** One diagnostic and where it points; {@code annotation} and {@code value} may be null. */
  public record Item(String text, Element element, AnnotationMirror annotation, AnnotationValue value) {}

  private final List<Item> errors = new ArrayList<>();

  public void error(Message message, Element element, AnnotationMirror annotation, AnnotationValue value,
      Object... args) {
    errors.add(new Item(message.format(args), element, annotation, value));
  }

  public void error(Message message, Element element, Object... args) {
    error(message, element, null, null, args);
  }

  public boolean isClean() {
    return errors.isEmpty();
  }

  public List<Item> errors() {
    return List.copyOf(errors);
  }

  public void printTo(Messager messager) {
    for (Item item : errors) {
      if (item.annotation() == null) {
        messager.printMessage(Diagnostic.Kind.ERROR, item.text(), item.element());
      } else if (item.value() == null) {
        messager.printMessage(Diagnostic.Kind.ERROR, item.text(), item.element(), item.annotation());
      } else {
        messager.printMessage(Diagnostic.Kind.ERROR, item.text(), item.element(), item.annotation(), item.value());
      }
    }
  }
}
