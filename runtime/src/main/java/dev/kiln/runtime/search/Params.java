package dev.kiln.runtime.search;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One point of a {@link SearchSpace}: a value per dimension, read by name with the type it was declared with. */
public final class Params {
  private final Map<String, Object> values;

  Params(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** A point given by hand, such as the best one found, to retrain with. */
  public static Params of(Map<String, ?> values) {
    return new Params(new LinkedHashMap<>(values));
  }

  /** The value of a double dimension (ints widen). */
  public double getDouble(String name) {
    Object v = get(name);
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException(name + " is " + v + ", not a number");
  }

  /** The value of an int dimension. */
  public int getInt(String name) {
    Object v = get(name);
    if (v instanceof Integer i) {
      return i;
    }
    throw new IllegalArgumentException(name + " is " + v + ", not an int");
  }

  /** The value of a choice dimension as a string. */
  public String getString(String name) {
    return String.valueOf(get(name));
  }

  /** The value of a choice dimension, of the type given. */
  public <T> T get(String name, Class<T> type) {
    return type.cast(get(name));
  }

  /** The value of dimension {@code name}. */
  public Object get(String name) {
    if (!values.containsKey(name)) {
      throw new IllegalArgumentException("no hyper-parameter named '" + name + "'; have " + values.keySet());
    }
    return values.get(name);
  }

  /** All values, in dimension order. */
  public Map<String, Object> asMap() {
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Params p && values.equals(p.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  /** {@code lr=0.01, batch=32}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(e.getKey()).append('=').append(format(e.getValue()));
    }
    return sb.toString();
  }

  /**
   * Doubles with four significant digits and no trailing zeros ({@code 0.1}, {@code 0.003162}, {@code 1e-05}), so
   * that log-spaced values stay readable in tables; everything else by {@code toString()}.
   */
  static String format(Object v) {
    if (v instanceof Double d) {
      if (d == Math.rint(d) && Math.abs(d) < 1e6) {
        return String.valueOf(d);
      }
      String s = String.format(java.util.Locale.ROOT, "%.4g", d);
      int e = s.indexOf('e');
      String mantissa = e < 0 ? s : s.substring(0, e);
      if (mantissa.contains(".")) {
        mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
      }
      return e < 0 ? mantissa : mantissa + s.substring(e);
    }
    return String.valueOf(v);
  }
}
