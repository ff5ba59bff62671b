package dev.kiln.runtime.io;

/**
 * The little JSON this package needs, written here because the runtime depends on the JDK alone: a strict cursor
 * for reading a safetensors header and a string quoter for writing one.
 *
 * <p>There is deliberately no generic "parse to a tree" method. The header reader walks the one schema safetensors
 * allows and builds compact records as it goes, so a hostile 100 MB header cannot balloon into gigabytes of maps
 * and boxed numbers, and there is no recursion for a deeply nested document to overflow the stack.
 */
final class Json {
  private Json() {}

  /**
   * A position in JSON text with methods that consume one token each. Everything not allowed by RFC 8259 is an
   * error (no comments, no trailing commas, no single quotes, no leading zeros, no raw control characters in
   * strings, no lone surrogates), reported as a {@link WeightFileException} that names the character position.
   */
  static final class Reader {
    private final String text;
    private int pos;

    Reader(String text) {
      this.text = text;
    }

    int position() {
      return pos;
    }

    /** The next non-whitespace character without consuming it, or -1 at the end. */
    int peek() {
      skipWhitespace();
      return pos < text.length() ? text.charAt(pos) : -1;
    }

    /** Consumes {@code c} (after whitespace) or fails naming what was found instead. */
    void expect(char c) throws WeightFileException {
      if (peek() != c) {
        throw error("expected '" + c + "' but found " + describeNext());
      }
      pos++;
    }

    /** Consumes {@code c} if it comes next (after whitespace). */
    boolean tryConsume(char c) {
      if (peek() == c) {
        pos++;
        return true;
      }
      return false;
    }

    /** Fails unless only whitespace remains (safetensors pads its header with spaces). */
    void expectEnd() throws WeightFileException {
      if (peek() != -1) {
        throw error("unexpected " + describeNext() + " after the end of the header object");
      }
    }

    /** Reads a string literal and returns its decoded value. */
    String readString() throws WeightFileException {
      if (peek() != '"') {
        throw error("expected a string but found " + describeNext());
      }
      pos++;
      StringBuilder sb = null; // only allocated when the string has escapes; most names have none
      int start = pos;
      while (true) {
        if (pos >= text.length()) {
          throw error("string not terminated");
        }
        char c = text.charAt(pos);
        if (c == '"') {
          String result = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
          pos++;
          return result;
        }
        if (c < 0x20) {
          throw error("raw control character U+" + String.format("%04X", (int) c) + " inside a string");
        }
        if (Character.isSurrogate(c)) {
          // A Java string decoded strictly from UTF-8 holds only paired surrogates; check anyway so that text from
          // any source is held to the same rule as \\u escapes below.
          if (Character.isHighSurrogate(c) && pos + 1 < text.length() && Character.isLowSurrogate(text.charAt(pos + 1))) {
            pos += 2;
            continue;
          }
          throw error("unpaired surrogate inside a string");
        }
        if (c != '\\') {
          pos++;
          continue;
        }
        if (sb == null) {
          sb = new StringBuilder();
        }
        sb.append(text, start, pos);
        pos++;
        if (pos >= text.length()) {
          throw error("string not terminated");
        }
        char e = text.charAt(pos++);
        switch (e) {
          case '"' -> sb.append('"');
          case '\\' -> sb.append('\\');
          case '/' -> sb.append('/');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            char u = readHex4();
            if (Character.isHighSurrogate(u)) {
              // A high surrogate must be followed by an escaped low surrogate: together they are one code point.
              if (pos + 1 < text.length() && text.charAt(pos) == '\\' && text.charAt(pos + 1) == 'u') {
                pos += 2;
                char low = readHex4();
                if (!Character.isLowSurrogate(low)) {
                  throw error("high surrogate escape not followed by a low surrogate");
                }
                sb.append(u).append(low);
              } else {
                throw error("high surrogate escape not followed by a low surrogate");
              }
            } else if (Character.isLowSurrogate(u)) {
              throw error("lone low surrogate escape");
            } else {
              sb.append(u);
            }
          }
          default -> throw error("invalid escape '\\" + printable(e) + "'");
        }
        start = pos;
      }
    }

    private char readHex4() throws WeightFileException {
      if (pos + 4 > text.length()) {
        throw error("truncated \\u escape");
      }
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int d = Character.digit(text.charAt(pos + i), 16);
        // Character.digit also accepts non-ASCII digits; JSON allows only [0-9a-fA-F].
        if (d < 0 || text.charAt(pos + i) > 'f') {
          throw error("invalid \\u escape");
        }
        v = v * 16 + d;
      }
      pos += 4;
      return (char) v;
    }

    /**
     * Reads a number that must be a non-negative integer fitting a {@code long}. Any valid JSON number is
     * consumed first, so that {@code 2.0}, {@code 1e3} and {@code -1} are reported as the wrong kind of number
     * rather than as a syntax error.
     *
     * @param what names the value in error messages ({@code "shape of 'fc.weight'"})
     */
    long readNonNegativeLong(String what) throws WeightFileException {
      int c = peek();
      if (c != '-' && (c < '0' || c > '9')) {
        throw error(what + ": expected a number but found " + describeNext());
      }
      int start = pos;
      boolean integral = true;
      if (text.charAt(pos) == '-') {
        pos++;
      }
      if (pos < text.length() && text.charAt(pos) == '0') {
        pos++;
        if (pos < text.length() && isDigit(text.charAt(pos))) {
          throw error(what + ": number with a leading zero");
        }
      } else {
        requireDigits(what);
      }
      if (pos < text.length() && text.charAt(pos) == '.') {
        pos++;
        integral = false;
        requireDigits(what);
      }
      if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
        pos++;
        integral = false;
        if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
          pos++;
        }
        requireDigits(what);
      }
      String literal = text.substring(start, pos);
      if (!integral) {
        throw error(what + ": expected a whole number, found " + abbreviate(literal));
      }
      if (literal.charAt(0) == '-') {
        throw error(what + ": must not be negative, found " + abbreviate(literal));
      }
      // Up to 18 digits always fits; longer literals may still fit, which parseLong decides.
      try {
        return Long.parseLong(literal);
      } catch (NumberFormatException e) {
        throw error(what + ": " + abbreviate(literal) + " is too large");
      }
    }

    private void requireDigits(String what) throws WeightFileException {
      int start = pos;
      while (pos < text.length() && isDigit(text.charAt(pos))) {
        pos++;
      }
      if (pos == start) {
        throw error(what + ": malformed number");
      }
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private void skipWhitespace() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    private String describeNext() {
      int c = peek();
      return c == -1 ? "the end of the header" : "'" + printable((char) c) + "'";
    }

    WeightFileException error(String message) {
      return new WeightFileException("malformed header JSON at character " + pos + ": " + message);
    }
  }

  /** {@code c} as shown in a message: printable ASCII as is, anything else as a {@code U+XXXX} code. */
  static String printable(char c) {
    return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("U+%04X", (int) c);
  }

  /** Shortens untrusted text for an error message, so a hostile megabyte-long name cannot flood a log. */
  static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 100) + "...(" + s.length() + " characters)";
  }

  /**
   * {@code s} as a JSON string literal, escaped the way serde_json (and so the safetensors reference writer)
   * escapes: quote, backslash and control characters only; everything else, non-ASCII included, as is.
   */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
