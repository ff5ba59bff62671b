package dev.kiln.runtime.io;

import java.io.IOException;

/**
 * The one exception this package throws for a weight file it cannot accept: a damaged or hostile safetensors file
 * (bad header length, malformed JSON, unknown dtype, offsets outside the data, overlapping tensors, truncation...) or
 * a well-formed file whose tensors do not fit the model (missing, unexpected, wrong shape or dtype).
 *
 * <p>It extends {@link IOException} so callers that already handle I/O failures handle these too. The reader
 * promises that parsing untrusted bytes throws nothing else: no {@code OutOfMemoryError}, no
 * {@code IndexOutOfBoundsException}, no {@code NumberFormatException}. The message always says what was wrong and,
 * where there is one, which tensor.
 */
public class WeightFileException extends IOException {
  private static final long serialVersionUID = 1L;

  public WeightFileException(String message) {
    super(message);
  }

  public WeightFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
