package dev.kiln.runtime.data;

import java.io.IOException;

/** A CSV file that cannot become a data set; the message names the source, line and column. */
public final class CsvFormatException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int line;

  public CsvFormatException(String message, int line) {
    super(message);
    this.line = line;
  }

  /** The 1-based line of the problem; 0 when it concerns the whole file. */
  public int line() {
    return line;
  }
}
