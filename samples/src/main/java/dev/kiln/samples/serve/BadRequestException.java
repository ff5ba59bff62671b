package dev.kiln.samples.serve;

/**
 * A request the server refuses, with the HTTP status to answer and a message written for the person who sent it
 * (what was wrong, and what to send instead). Thrown by the parsers and caught by the server's one handler, which
 * turns it into a JSON error response; it never reaches the HTTP server's own threads.
 */
public final class BadRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  public BadRequestException(int status, String message) {
    super(message, null, false, false); // no stack trace: this is an answer, not a bug
    this.status = status;
  }

  /** The HTTP status: 400 malformed, 404, 405, 413 too large, 415 unsupported type, 422 well-formed but wrong. */
  public int status() {
    return status;
  }
}
