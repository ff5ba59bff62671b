package dev.kiln.runtime.io;

/**
 * How {@link Weights#load(dev.kiln.runtime.Model, java.nio.file.Path, LoadOptions)} treats a file that does not
 * match the model exactly.
 *
 * <ul>
 *   <li>{@link #strict()} (the default): every tensor of the model must be in the file with a compatible dtype and
 *       the same shape, and the file may hold nothing else; otherwise nothing is loaded.
 *   <li>{@link #nonStrict()}: loads the tensors whose names, dtypes and shapes match, and reports the rest in the
 *       {@link LoadReport}, for fine-tuning from a related network or a partial file.
 * </ul>
 */
public final class LoadOptions {
  private static final LoadOptions STRICT = new LoadOptions(true);
  private static final LoadOptions NON_STRICT = new LoadOptions(false);

  private final boolean strict;

  private LoadOptions(boolean strict) {
    this.strict = strict;
  }

  /** All or nothing: any missing, unexpected or mismatched tensor fails the load. */
  public static LoadOptions strict() {
    return STRICT;
  }

  /** Best effort: load what matches, report the rest. */
  public static LoadOptions nonStrict() {
    return NON_STRICT;
  }

  public boolean isStrict() {
    return strict;
  }

  @Override
  public String toString() {
    return strict ? "strict" : "non-strict";
  }
}
