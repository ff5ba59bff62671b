package dev.kiln.processor.read;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/**
 * One annotation's values, defaults included, and which of them the user wrote. A written value has a position
 * javac can underline; a default does not, so diagnostics about a default point at the whole annotation.
 */
public final class Attributes {
  private final AnnotationMirror mirror;
  private final Map<String, AnnotationValue> withDefaults = new HashMap<>();
  private final Map<String, AnnotationValue> written = new HashMap<>();

  public Attributes(AnnotationMirror mirror, Elements elements) {
    this.mirror = mirror;
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        elements.getElementValuesWithDefaults(mirror).entrySet()) {
      withDefaults.put(e.getKey().getSimpleName().toString(), e.getValue());
    }
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        mirror.getElementValues().entrySet()) {
      written.put(e.getKey().getSimpleName().toString(), e.getValue());
    }
  }

  public AnnotationMirror mirror() {
    return mirror;
  }

  /** The value as the user wrote it, for pointing diagnostics at; null when the default applies. */
  public AnnotationValue written(String name) {
    return written.get(name);
  }

  /**
   * The written value of element {@code index} of an array attribute (or the whole written value when it is not a
   * list), so a diagnostic about {@code kernel = {7, 3}}'s height underlines the 7; null when not written.
   */
  public AnnotationValue written(String name, int index) {
    AnnotationValue v = written.get(name);
    if (v != null && v.getValue() instanceof List<?> list && index < list.size()) {
      return (AnnotationValue) list.get(index);
    }
    return v;
  }

  public boolean isWritten(String name) {
    return written.containsKey(name);
  }

  public int intValue(String name) {
    return ((Number) raw(name)).intValue();
  }

  public long longValue(String name) {
    return ((Number) raw(name)).longValue();
  }

  public double doubleValue(String name) {
    return ((Number) raw(name)).doubleValue();
  }

  public boolean booleanValue(String name) {
    return (Boolean) raw(name);
  }

  public String stringValue(String name) {
    return (String) raw(name);
  }

  /** The constant's name of an enum-valued attribute. */
  public String enumName(String name) {
    return ((VariableElement) raw(name)).getSimpleName().toString();
  }

  /** An {@code int[]} attribute; a single written value {@code 5} reads as {@code {5}}. */
  public int[] ints(String name) {
    Object v = raw(name);
    if (v instanceof List<?> list) {
      int[] out = new int[list.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = ((Number) ((AnnotationValue) list.get(i)).getValue()).intValue();
      }
      return out;
    }
    return new int[] {((Number) v).intValue()};
  }

  private Object raw(String name) {
    AnnotationValue v = withDefaults.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no attribute " + name + " on " + mirror);
    }
    return v.getValue();
  }
}
