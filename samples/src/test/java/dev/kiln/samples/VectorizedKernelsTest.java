package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default build's speed rests on HotSpot's C2 vectorising the generated loops, which it does for some loop
 * shapes and silently not for others (four rows updated from three, or the rows as slices of one array: see
 * docs/performance.md). A change to a generator that turned a hot kernel scalar would pass every other test and run
 * several times slower. This test reads the machine code C2 makes of the hot kernels of LeNet-5 and the MLP and
 * requires packed multiply-adds in each.
 *
 * <p>How: a JVM of its own runs {@link KernelWorkout} with {@code -XX:CompileCommand=print} for each kernel; HotSpot
 * prints each compiled method's code as bytes (the JDK ships no disassembler plugin), {@link MachineCode} hands them
 * to {@code objdump}, and the test stops the JVM once every kernel has a C2 compilation with packed multiply-adds. A
 * kernel that has none within the workout's minute fails the test, with what was compiled. On machines other than
 * x86-64, or without binutils' {@code objdump}, the test is skipped.
 */
class VectorizedKernelsTest {
  /**
   * The kernels a batch-64 training step and inference spend their time in (JFR, docs/performance.md): the dense
   * layers' passes over four samples or outputs run in their {@code AddRows} methods (rows of the first layer's
   * outputs for the forward pass, of its inputs for the weight gradient; {@code AddInputs} where a block of inputs
   * has no zero in all four samples), as do the convolutions' forward passes over
   * blocks of filters and a whole group of samples or one sample ({@link #FUSED_CONVOLUTIONS}, {@link
   * #PLAIN_CONVOLUTIONS}, {@link #FEW_REGISTERS_CONVOLUTIONS}), which C2 left scalar in some forms that every other test passes
   * (Methods.addListedRowsToGroupAligned and ConvCode.tapPassesMethods in the processor); the convolutions' {@code
   * Products} take the filters left over and a batch's last group of two or three samples (this workout's batches are
   * 64 and 1).
   */
  private static final List<String> KERNELS = List.of(
      "Kiln_LeNet5::conv2FilterGradients",
      "Kiln_LeNet5::conv2InputGradient",
      "Kiln_LeNet5::fc1Forward",
      "Kiln_LeNet5::fc1AddRows120",
      "Kiln_Mlp::fc1Forward",
      "Kiln_Mlp::fc1AddRows256",
      "Kiln_Mlp::fc1AddInputs256",
      "Kiln_Mlp::fc1AddRows784",
      // The last layer's ten outputs over a batch's samples as positions (DenseModel.outputsAsFilters).
      "Kiln_Mlp::fc3AddColumns3x80",
      "Kiln_Mlp::fc3AddColumns4x80");
  /**
   * The convolutions' forward passes with the fused multiply-add and 32 vector registers: the first convolution's six
   * filters as one block (over a group's 784 positions, and over one sample's quadrant of 196 from its own tap blocks:
   * ConvModel.oneSampleTapBlocks), the second's sixteen as six, five and five (ConvCode.arenaBlocks).
   */
  private static final List<String> FUSED_CONVOLUTIONS = List.of(
      "Kiln_LeNet5::conv1AddTaps6x784",
      "Kiln_LeNet5::conv1AddTaps6x196",
      "Kiln_LeNet5::conv2AddTaps6x400",
      "Kiln_LeNet5::conv2AddTaps5x400",
      "Kiln_LeNet5::conv2AddTaps6x100",
      "Kiln_LeNet5::conv2AddTaps5x100");
  /**
   * With the plain multiply and add and 32 vector registers (C2 left wider blocks scalar), blocks of four: the first
   * convolution's two filters left over go through its {@code Products}.
   */
  private static final List<String> PLAIN_CONVOLUTIONS = List.of(
      "Kiln_LeNet5::conv1AddTaps4x784",
      "Kiln_LeNet5::conv1AddTaps4x196",
      "Kiln_LeNet5::conv1Products",
      "Kiln_LeNet5::conv2AddTaps4x400",
      "Kiln_LeNet5::conv2AddTaps4x100");
  /**
   * With 16 vector registers (x86 without AVX-512), either multiply-add: blocks of three, the first convolution's six
   * filters as two, the second's sixteen as four and a last block of four.
   */
  private static final List<String> FEW_REGISTERS_CONVOLUTIONS = List.of(
      "Kiln_LeNet5::conv1AddTaps3x784",
      "Kiln_LeNet5::conv1AddTaps3x196",
      "Kiln_LeNet5::conv2AddTaps3x400",
      "Kiln_LeNet5::conv2AddTaps4x400",
      "Kiln_LeNet5::conv2AddTaps3x100",
      "Kiln_LeNet5::conv2AddTaps4x100");
  private static final int WORKOUT_SECONDS = 60;

  /**
   * With the JVM's choice of multiply-add ({@code Math.fma} where it uses the FMA unit), and with the plain multiply
   * and add that {@code -Dkiln.fma=false} forces (and that hosts without FMA get): C2 vectorises each form on its own.
   */
  @ParameterizedTest(name = "kiln.fma={0}")
  @ValueSource(strings = {"default", "false"})
  void hotKernelsCompileToPackedMultiplyAdds(String fma) throws Exception {
    String arch = System.getProperty("os.arch");
    assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "machine code read as x86-64; this is " + arch);
    assumeTrue(MachineCode.objdumpAvailable(), "binutils' objdump is not installed");

    // The workout's JVM decides as this one does unless the property forces the choice (MultiplyAdd).
    boolean fused = fma.equals("default") ? dev.kiln.runtime.kernel.MultiplyAdd.FUSED : Boolean.parseBoolean(fma);
    List<String> kernels = new ArrayList<>(KERNELS);
    kernels.addAll(!dev.kiln.runtime.kernel.Registers.MANY ? FEW_REGISTERS_CONVOLUTIONS
        : fused ? FUSED_CONVOLUTIONS : PLAIN_CONVOLUTIONS);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UnlockDiagnosticVMOptions", "-XX:CompileCommand=quiet"));
    if (!fma.equals("default")) {
      command.add("-Dkiln.fma=" + fma);
    }
    for (String kernel : kernels) {
      command.add("-XX:CompileCommand=print," + KernelWorkout.class.getPackageName() + "." + kernel);
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelWorkout.class.getName(),
        Integer.toString(WORKOUT_SECONDS)));
    Process workout = new ProcessBuilder(command).redirectErrorStream(true).start();

    Map<String, List<String>> seen = new LinkedHashMap<>();  // kernel -> its C2 compilations, described
    Map<String, String> vectorised = new LinkedHashMap<>();  // kernel -> the first compilation with packed ones
    MachineCode.Reader reader = new MachineCode.Reader();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(workout.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (vectorised.size() < kernels.size() && (line = out.readLine()) != null) {
        Optional<MachineCode.Compiled> compiled = reader.line(line);
        if (compiled.isEmpty()) {
          continue;
        }
        String kernel = simpleName(compiled.get().method());
        List<String> instructions = MachineCode.disassemble(compiled.get().code());
        long packed = MachineCode.packedMultiplyAdds(instructions);
        String description = (compiled.get().onStack() ? "on-stack compilation" : "compilation") + ", "
            + packed + " packed multiply-adds (" + MachineCode.widest(instructions) + ")";
        seen.computeIfAbsent(kernel, k -> new ArrayList<>()).add(description);
        if (packed > 0 && kernels.contains(kernel)) {
          vectorised.putIfAbsent(kernel, description);
        }
      }
    } finally {
      workout.destroy();
      workout.waitFor();
    }
    System.out.println("Vectorised kernels (kiln.fma=" + fma + "): " + vectorised);
    assertWithMessage("kernels without a C2 compilation with packed multiply-adds; C2 compilations seen: %s", seen)
        .that(vectorised.keySet())
        .containsExactlyElementsIn(kernels);
  }

  @Test
  void readerTakesTheBytesOfAC2MethodAndFillsCommentGaps() throws Exception {
    MachineCode.Reader reader = new MachineCode.Reader();
    String[] lines = {
        "============================= C2-compiled nmethod ==============================",
        "Compiled method (c2)    4481  858 %     4       dev.kiln.samples.Kiln_Mlp::fc1Forward @ 206 (1418 bytes)",
        "[MachCode]",
        "[Verified Entry Point]",
        "  0x0000000000001000: 62f2 7548 | b8d1 c3",
        "",
        "  0x0000000000001008: ; implicit exception: dispatches to 0x0000000000001100",
        "  0x0000000000001008: 90",
        "[/MachCode]",
    };
    Optional<MachineCode.Compiled> compiled = Optional.empty();
    for (String line : lines) {
      Optional<MachineCode.Compiled> c = reader.line(line);
      if (c.isPresent()) {
        compiled = c;
      }
    }
    assertThat(compiled.isPresent()).isTrue();
    assertThat(compiled.get().method()).isEqualTo("dev.kiln.samples.Kiln_Mlp::fc1Forward");
    assertThat(compiled.get().onStack()).isTrue();
    // vfmadd231ps zmm2, zmm1, zmm1; ret; a no-op for the gap before the comment's address; the last byte.
    assertThat(compiled.get().code()).isEqualTo(new byte[] {
        0x62, (byte) 0xf2, 0x75, 0x48, (byte) 0xb8, (byte) 0xd1, (byte) 0xc3, (byte) 0x90, (byte) 0x90});
    if (MachineCode.objdumpAvailable()) {
      List<String> instructions = MachineCode.disassemble(compiled.get().code());
      assertThat(instructions.get(0)).startsWith("vfmadd231ps");
      assertThat(MachineCode.packedMultiplyAdds(instructions)).isEqualTo(1);
      assertThat(MachineCode.widest(instructions)).isEqualTo("zmm");
    }
  }

  /** {@code dev.kiln.samples.Kiln_Mlp::fc1Forward} to {@code Kiln_Mlp::fc1Forward}. */
  private static String simpleName(String method) {
    int colons = method.indexOf("::");
    return method.substring(method.lastIndexOf('.', colons) + 1);
  }
}
