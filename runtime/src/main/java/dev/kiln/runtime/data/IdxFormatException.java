package dev.kiln.runtime.data;

import java.io.IOException;

/** A file that is not a well-formed IDX file: wrong magic, impossible dimensions, truncated or trailing data. */
public final class IdxFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public IdxFormatException(String message) {
    super(message);
  }

  public IdxFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
