package dev.kiln.samples;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads just enough of a class file (JVMS chapter 4) to list each method's bytecode length: the constant pool, to
 * resolve names, then every method's {@code Code} attribute.
 */
final class ClassFileMethods {
  private ClassFileMethods() {}

  /** Method name plus descriptor, to bytecode length in bytes. */
  static Map<String, Integer> codeLengths(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // longs and doubles take two slots
        }
        case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
        case 9, 10, 11, 12, 17, 18 -> in.readInt();
        case 15 -> {
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    in.readUnsignedShort(); // access
    in.readUnsignedShort(); // this
    in.readUnsignedShort(); // super
    int interfaces = in.readUnsignedShort();
    for (int i = 0; i < interfaces; i++) {
      in.readUnsignedShort();
    }
    int fields = in.readUnsignedShort();
    for (int i = 0; i < fields; i++) {
      in.readUnsignedShort();
      in.readUnsignedShort();
      in.readUnsignedShort();
      skipAttributes(in);
    }
    Map<String, Integer> lengths = new LinkedHashMap<>();
    int methods = in.readUnsignedShort();
    for (int i = 0; i < methods; i++) {
      in.readUnsignedShort();
      String name = utf8[in.readUnsignedShort()];
      String descriptor = utf8[in.readUnsignedShort()];
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        String attribute = utf8[in.readUnsignedShort()];
        int length = in.readInt();
        byte[] body = in.readNBytes(length);
        if (attribute.equals("Code")) {
          DataInputStream code = new DataInputStream(new ByteArrayInputStream(body));
          code.readUnsignedShort(); // max stack
          code.readUnsignedShort(); // max locals
          lengths.put(name + descriptor, code.readInt());
        }
      }
    }
    return lengths;
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int attributes = in.readUnsignedShort();
    for (int a = 0; a < attributes; a++) {
      in.readUnsignedShort();
      in.readNBytes(in.readInt());
    }
  }
}
