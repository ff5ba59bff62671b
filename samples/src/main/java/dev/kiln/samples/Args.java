package dev.kiln.samples;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The samples' command lines: {@code --name=value} or {@code --name value}. Unknown names are an error that lists
 * the known ones, so a typo ({@code --epoch=3}) fails loudly instead of silently using a default. An empty value
 * means "not given", which lets a Maven profile pass {@code --epochs=${kiln.epochs}} with the property unset.
 * Public only so the samples' subpackages can share it; it is not part of Kiln's API.
 */
public final class Args {
  private final Map<String, String> values = new LinkedHashMap<>();

  private Args() {}

  /** Parses {@code args}, allowing only the names in {@code known}. */
  public static Args parse(String[] args, Set<String> known) {
    Args a = new Args();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.isBlank()) {
        continue; // an empty exec argument
      }
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'; options are --" + String.join(", --",
            known));
      }
      String name;
      String value;
      int eq = arg.indexOf('=');
      if (eq >= 0) {
        name = arg.substring(2, eq);
        value = arg.substring(eq + 1);
      } else {
        name = arg.substring(2);
        value = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "true";
      }
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown option --" + name + "; options are --" + String.join(", --",
            known));
      }
      if (!value.isBlank()) {
        a.values.put(name, value.trim());
      }
    }
    return a;
  }

  public String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  public int getInt(String name, int fallback) {
    String v = values.get(name);
    try {
      return v == null ? fallback : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " takes a whole number, not '" + v + "'");
    }
  }

  public double getDouble(String name, double fallback) {
    String v = values.get(name);
    try {
      return v == null ? fallback : Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " takes a number, not '" + v + "'");
    }
  }
}
