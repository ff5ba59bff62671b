package dev.kiln.samples;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the machine code that HotSpot prints for the methods named by {@code -XX:CompileCommand=print,...}, and
 * disassembles it with binutils' {@code objdump}.
 *
 * <p>Why objdump: HotSpot disassembles through a plugin ({@code hsdis}) that the JDK does not ship; without it, it
 * prints each compiled method's code as hexadecimal bytes (its "abstract disassembler"), which is enough to hand to
 * any x86 disassembler. Only the optimising compiler's (C2's) methods are kept: the others do not vectorise.
 */
final class MachineCode {
  /** One method as C2 compiled it: its name ({@code Class::method}), whether it is an on-stack replacement, its code. */
  record Compiled(String method, boolean onStack, byte[] code) {}

  private static final Pattern HEADER =
      Pattern.compile("Compiled method \\(c2\\).*?(\\S+::[\\w$<>]+)( @ \\d+)? \\(\\d+ bytes\\)");
  /** {@code 0x00007f...: 8984 2400 | c0fe ff55 | 48}: an address, then up to 16 bytes in groups. */
  private static final Pattern BYTES = Pattern.compile("\\s*0x([0-9a-f]+): ([0-9a-f |]+)");
  private static final Pattern INSTRUCTION = Pattern.compile("^\\s*[0-9a-f]+:\\t[0-9a-f ]+\\t(\\S+)\\s*(.*)$");

  private MachineCode() {}

  /**
   * Prints the disassembly of every C2 method in a HotSpot print-out read from standard input, for reading a kernel's
   * loops by eye: {@code java -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,dev.kiln.samples.Kiln_Mlp::fc1Forward
   * ... | java -cp samples/target/test-classes dev.kiln.samples.MachineCode} (see docs/performance.md, "Reading C2's
   * machine code").
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    Reader reader = new Reader();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      Optional<Compiled> compiled = reader.line(line);
      if (compiled.isPresent()) {
        List<String> instructions = disassemble(compiled.get().code());
        System.out.println("== " + compiled.get().method() + (compiled.get().onStack() ? " (on-stack)" : "") + ": "
            + instructions.size() + " instructions, " + packedMultiplyAdds(instructions) + " packed multiply-adds ("
            + widest(instructions) + ")");
        instructions.forEach(i -> System.out.println("  " + i));
      }
    }
  }

  /** Reads HotSpot's print-out line by line; {@link #line} returns a method each time one's code ends. */
  static final class Reader {
    private String method;
    private boolean onStack;
    private boolean inCode;
    private long start = -1;
    private ByteArrayOutputStream code;

    /** The method whose code this line ends, if it ends one. */
    Optional<Compiled> line(String line) {
      Matcher header = HEADER.matcher(line);
      if (header.find()) {
        method = header.group(1);
        onStack = header.group(2) != null;
        inCode = false;
        return Optional.empty();
      }
      if (method == null) {
        return Optional.empty();
      }
      if (line.startsWith("[MachCode]")) {
        inCode = true;
        start = -1;
        code = new ByteArrayOutputStream();
      } else if (line.startsWith("[/MachCode]") && inCode) {
        Compiled compiled = new Compiled(method, onStack, code.toByteArray());
        method = null;
        inCode = false;
        return Optional.of(compiled);
      } else if (inCode) {
        Matcher bytes = BYTES.matcher(line);
        if (bytes.matches()) {
          long address = Long.parseUnsignedLong(bytes.group(1), 16);
          if (start < 0) {
            start = address;
          }
          // Comment lines take up no bytes, so the next line may start past what is read: fill the gap with no-ops.
          while (start + code.size() < address) {
            code.write(0x90);
          }
          String hex = bytes.group(2).replaceAll("[\\s|]", "");
          for (int i = 0; i + 1 < hex.length(); i += 2) {
            code.write(Integer.parseInt(hex.substring(i, i + 2), 16));
          }
        }
      }
      return Optional.empty();
    }
  }

  /** Whether {@code objdump} runs on this machine and knows x86-64. */
  static boolean objdumpAvailable() {
    try {
      Process process = new ProcessBuilder("objdump", "--version").redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The instructions of {@code code}, one per entry: the mnemonic, a space, the operands (AT&T syntax). */
  static List<String> disassemble(byte[] code) throws IOException, InterruptedException {
    Path file = Files.createTempFile("kiln-machine-code", ".bin");
    try {
      Files.write(file, code);
      Process process = new ProcessBuilder("objdump", "-D", "-b", "binary", "-mi386:x86-64", file.toString())
          .redirectErrorStream(true)
          .start();
      String listing = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new IOException("objdump failed: " + listing);
      }
      List<String> instructions = new ArrayList<>();
      for (String line : listing.split("\n")) {
        Matcher m = INSTRUCTION.matcher(line);
        if (m.matches()) {
          instructions.add(m.group(1) + " " + m.group(2));
        }
      }
      return instructions;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * Whether {@code instruction} is a packed multiply-add: fused ({@code vfmadd231ps} and kin) or, where the JVM does
   * not use the FMA unit and Kiln multiplies and adds (see {@code MultiplyAdd}), a packed multiply. A loop that C2
   * left scalar has only their {@code ss} forms.
   */
  static boolean isPackedMultiplyAdd(String instruction) {
    return instruction.matches("vfn?m(add|sub)\\w*ps .*") || instruction.startsWith("vmulps ");
  }

  /** How many of {@code instructions} are packed multiply-adds ({@link #isPackedMultiplyAdd}). */
  static long packedMultiplyAdds(List<String> instructions) {
    return instructions.stream().filter(MachineCode::isPackedMultiplyAdd).count();
  }

  /** The widest vector register {@code instructions}' packed multiply-adds use: {@code zmm}, {@code ymm}, {@code xmm}. */
  static String widest(List<String> instructions) {
    String widest = "none";
    for (String register : List.of("xmm", "ymm", "zmm")) {
      for (String i : instructions) {
        if (isPackedMultiplyAdd(i) && i.contains("%" + register)) {
          widest = register;
          break;
        }
      }
    }
    return widest;
  }
}
