package dev.kiln.samples.serve;

/**
 * Reads a prediction request written as JSON: either a bare array of pixel values, {@code [0, 0.5, ...]}, or an
 * object {@code {"pixels": [...], "top": 3}}.
 *
 * <p>A strict reader of RFC 8259 that walks this one schema instead of building a tree: a hostile body cannot
 * balloon into maps of boxed numbers, there is no recursion for deep nesting to overflow, and each error names the
 * character position and what was expected there. Values are only checked for syntax here; their count and range
 * are the caller's business (a different status: the JSON was fine, its content was not).
 */
final class PixelJson {
  /** A parsed request body. {@code top} is 0 when the body did not give one. */
  record Request(float[] pixels, int count, int top) {}

  private final String text;
  private int pos;

  private PixelJson(String text) {
    this.text = text;
  }

  /**
   * Parses {@code text}.
   *
   * @param capacity pixels to keep; more are counted but not stored, so the error can say how many were sent
   * @throws BadRequestException 400 for anything that is not well-formed JSON of the expected shape
   */
  static Request parse(String text, int capacity) throws BadRequestException {
    PixelJson p = new PixelJson(text);
    float[] pixels = new float[capacity];
    int count;
    int top = 0;
    int c = p.peek();
    if (c == '[') {
      count = p.array(pixels);
    } else if (c == '{') {
      p.pos++;
      count = -1;
      boolean first = true;
      while (true) {
        if (p.peek() == '}' && first) {
          p.pos++;
          break;
        }
        String key = p.string();
        p.expect(':');
        switch (key) {
          case "pixels" -> {
            if (count >= 0) {
              throw p.error("\"pixels\" given twice");
            }
            count = p.array(pixels);
          }
          case "top" -> {
            if (top != 0) {
              throw p.error("\"top\" given twice");
            }
            int at = p.skipWhitespace();
            double v = p.number();
            if (v != Math.rint(v) || v < 1 || v > 1000) {
              throw new BadRequestException(400, "\"top\" at character " + at + " must be a whole number from 1, not "
                  + text.substring(at, p.pos));
            }
            top = (int) v;
          }
          default -> throw p.error("unknown field \"" + key + "\"; a request has \"pixels\" (required) and \"top\"");
        }
        first = false;
        int next = p.peek();
        p.pos++;
        if (next == '}') {
          break;
        }
        if (next != ',') {
          p.pos--;
          throw p.error("expected ',' or '}' but found " + p.describe());
        }
      }
      if (count < 0) {
        throw new BadRequestException(400, "the JSON object has no \"pixels\" field; send {\"pixels\": [...]} or a"
            + " bare array");
      }
    } else {
      throw p.error("expected a JSON array of pixels or an object {\"pixels\": [...]} but found " + p.describe());
    }
    if (p.peek() != -1) {
      throw p.error("unexpected " + p.describe() + " after the JSON value");
    }
    return new Request(pixels, count, top);
  }

  /** An array of numbers; returns how many there were, storing the first {@code dst.length}. */
  private int array(float[] dst) throws BadRequestException {
    expect('[');
    int n = 0;
    if (peek() == ']') {
      pos++;
      return 0;
    }
    while (true) {
      skipWhitespace();
      double v = number();
      if (n < dst.length) {
        dst[n] = (float) v;
      }
      n++;
      int c = peek();
      pos++;
      if (c == ']') {
        return n;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or ']' after value " + n + " but found " + describe());
      }
    }
  }

  /** One JSON number, RFC 8259 grammar exactly: {@code -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?}. */
  private double number() throws BadRequestException {
    int start = pos;
    if (at('-')) {
      pos++;
    }
    if (at('0')) {
      pos++;
    } else if (digit()) {
      while (digit()) {
        pos++;
      }
    } else {
      pos = start;
      throw error("expected a number but found " + describe());
    }
    if (at('.')) {
      pos++;
      if (!digit()) {
        throw error("expected a digit after the decimal point but found " + describe());
      }
      while (digit()) {
        pos++;
      }
    }
    if (at('e') || at('E')) {
      pos++;
      if (at('+') || at('-')) {
        pos++;
      }
      if (!digit()) {
        throw error("expected a digit in the exponent but found " + describe());
      }
      while (digit()) {
        pos++;
      }
    }
    return Double.parseDouble(text.substring(start, pos));
  }

  /** A JSON string (an object key); escapes decoded. */
  private String string() throws BadRequestException {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("raw control character in a string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw error("unterminated escape");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
          }
          try {
            sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          } catch (NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          pos += 4;
        }
        default -> {
          pos--;
          throw error("unknown escape \\" + e);
        }
      }
    }
  }

  private void expect(char c) throws BadRequestException {
    if (peek() != c) {
      throw error("expected '" + c + "' but found " + describe());
    }
    pos++;
  }

  private int peek() {
    skipWhitespace();
    return pos < text.length() ? text.charAt(pos) : -1;
  }

  /** Skips JSON whitespace (space, tab, CR, LF only) and returns the new position. */
  private int skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        break;
      }
      pos++;
    }
    return pos;
  }

  private boolean at(char c) {
    return pos < text.length() && text.charAt(pos) == c;
  }

  private boolean digit() {
    return pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9';
  }

  private String describe() {
    if (pos >= text.length()) {
      return "the end of the body";
    }
    int end = Math.min(text.length(), pos + 12);
    return "'" + text.substring(pos, end).replaceAll("\\p{Cntrl}", "?") + (end < text.length() ? "..." : "") + "'";
  }

  private BadRequestException error(String what) {
    return new BadRequestException(400, "malformed JSON at character " + pos + ": " + what);
  }
}
