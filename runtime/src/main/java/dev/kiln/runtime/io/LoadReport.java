package dev.kiln.runtime.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a load did, tensor by tensor: which tensors were loaded, which the model has but the file lacks, which the
 * file has but the model lacks, and which both have but with a different shape or an incompatible dtype. After a
 * strict load that returned normally only {@link #loaded()} is non-empty.
 */
public final class LoadReport {
  /** A hostile file may hold a million names; a message listing them all would help nobody. */
  private static final int MAX_LISTED = 50;

  private final List<String> loaded;
  private final List<String> missing;
  private final List<String> unexpected;
  private final Map<String, String> mismatched;

  LoadReport(List<String> loaded, List<String> missing, List<String> unexpected, Map<String, String> mismatched) {
    this.loaded = List.copyOf(loaded);
    this.missing = List.copyOf(missing);
    this.unexpected = List.copyOf(unexpected);
    this.mismatched = Collections.unmodifiableMap(new LinkedHashMap<>(mismatched));
  }

  /** Tensors copied into the model, in the model's state order. */
  public List<String> loaded() {
    return loaded;
  }

  /** Tensors of the model that the file lacks (left unchanged), in the model's state order. */
  public List<String> missing() {
    return missing;
  }

  /** Tensors of the file that the model lacks (ignored), in file order. */
  public List<String> unexpected() {
    return unexpected;
  }

  /**
   * Tensors in both whose shape or dtype does not fit (left unchanged), each with what differs, such as
   * {@code file F32 [3, 4] vs model [4, 3]}.
   */
  public Map<String, String> mismatched() {
    return mismatched;
  }

  /** Whether every tensor of the model was loaded and the file held nothing else. */
  public boolean isComplete() {
    return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
  }

  /** The problems in one line, naming every tensor (lists are shortened only when they are very long). */
  String problems() {
    StringBuilder sb = new StringBuilder();
    if (!missing.isEmpty()) {
      sb.append("missing from the file: ").append(names(missing));
    }
    if (!unexpected.isEmpty()) {
      sb.append(sb.length() > 0 ? "; " : "").append("not in the model: ").append(names(unexpected));
    }
    if (!mismatched.isEmpty()) {
      sb.append(sb.length() > 0 ? "; " : "").append("mismatched: ");
      int shown = 0;
      for (Map.Entry<String, String> e : mismatched.entrySet()) {
        if (shown == MAX_LISTED) {
          sb.append(", ... and ").append(mismatched.size() - shown).append(" more");
          break;
        }
        sb.append(shown++ == 0 ? "" : ", ").append(Json.abbreviate(e.getKey())).append(" (").append(e.getValue())
            .append(')');
      }
    }
    return sb.toString();
  }

  private static String names(List<String> names) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < names.size(); i++) {
      if (i == MAX_LISTED) {
        sb.append(", ... and ").append(names.size() - i).append(" more");
        break;
      }
      sb.append(i == 0 ? "" : ", ").append(Json.abbreviate(names.get(i)));
    }
    return sb.append(']').toString();
  }

  @Override
  public String toString() {
    return "LoadReport{" + loaded.size() + " loaded" + (isComplete() ? "" : "; " + problems()) + "}";
  }
}
