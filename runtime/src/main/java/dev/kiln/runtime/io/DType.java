package dev.kiln.runtime.io;

/**
 * The element types a safetensors file may declare that this package can read, with their names as written in the
 * header and their sizes in bytes. Every one of them converts to {@code float}; the 8-bit float formats and other
 * exotic types are rejected as unsupported rather than misread.
 *
 * <p>The constant order is safetensors' own (smallest to largest element), which the writer uses to order tensors
 * in the data area exactly as the reference implementation does.
 */
enum DType {
  BOOL(1),
  U8(1),
  I8(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8);

  private final int size;

  DType(int size) {
    this.size = size;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }

  /** Whether this is a floating-point type (F16, BF16, F32, F64). */
  public boolean isFloatingPoint() {
    return this == F16 || this == BF16 || this == F32 || this == F64;
  }

  /** The type named {@code name} in a header ({@code "F32"}), or null when there is none we support. */
  static DType byName(String name) {
    for (DType t : values()) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }
}
