package dev.kiln.processor.generate;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import java.util.List;
import java.util.Objects;
import javax.lang.model.element.Modifier;

/** Small helpers shared by the layer writers. */
final class Methods {
  static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);
  static final com.palantir.javapoet.ClassName PACKING =
      com.palantir.javapoet.ClassName.get("dev.kiln.runtime.kernel", "Packing");
  static final TypeName INTS = ArrayTypeName.of(TypeName.INT);
  static final com.palantir.javapoet.ClassName ELEMENTWISE =
      com.palantir.javapoet.ClassName.get("dev.kiln.runtime.kernel", "Elementwise");
  /** The opt-in Vector API kernels; generated code tests its constant {@code ENABLED} before calling one. */
  static final com.palantir.javapoet.ClassName VECTOR_BACKEND =
      com.palantir.javapoet.ClassName.get("dev.kiln.runtime.kernel", "VectorBackend");
  /**
   * The multiply-add of the inner loops ({@code madd}, statically imported into every generated file): a fused
   * multiply-add where the JVM uses the processor's FMA unit, else a multiply and an add.
   */
  static final com.palantir.javapoet.ClassName MULTIPLY_ADD =
      com.palantir.javapoet.ClassName.get("dev.kiln.runtime.kernel", "MultiplyAdd");
  /**
   * Products per pass over an accumulator row in the row-update loops: one load and store of the row per eight
   * multiply-adds (on an AVX-512 host, eight a pass took the MLP's first layer from 41 to 45 GFLOP/s against
   * four; two passes' worth of live values still fit the vector registers).
   */
  static final int ROWS_PER_PASS = 8;
  static final com.palantir.javapoet.ClassName RNG = com.palantir.javapoet.ClassName.get("dev.kiln.runtime", "Rng");

  private Methods() {}

  /**
   * A {@code private static void} kernel method; static so HotSpot sees no receiver and inlines freely.
   *
   * <p>The passes of a kernel that a training step runs many times (a dense layer's group of four outputs or
   * samples and its lone output or sample, a convolution's block of filters and its filters' gradients for one
   * sample) are methods of their own, called from the layer's kernel, rather than loops inside it. A kernel called
   * once per batch runs its loops long before HotSpot counts enough calls to compile it, so C2 compiles it first "on
   * stack" (OSR), once for each hot loop it is found in, each time the whole method from that loop on, and then again
   * whole; and while a method has such a compilation queued, C2's single thread on a two-core machine works through
   * the others, so the hottest kernels waited seconds in C1's code. Outlined, each pass is compiled once or twice and
   * small, and is called often enough to be compiled whole early. LeNet-5's first epoch on a cold JVM (two threads,
   * the demo's recipe) took 4.9-5.2 s against 6.5-6.9 s with the passes inline, C2's time 3.7-3.9 against 5.3-5.8 s;
   * warm epochs, and the benchmarks, within noise of each other. A dense layer's forward pass stays whole: with its
   * passes outlined, the MLP's batch-64 inference was 5% slower in one comparison of alternating JVMs (and equal in
   * another), and it was never among the costly compilations.
   */
  static MethodSpec.Builder kernel(String name, String doc, Object... args) {
    return MethodSpec.methodBuilder(name)
        .addJavadoc(doc, args)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC);
  }

  /**
   * A readable integer expression {@code v1 * c1 + v2 * c2 + constant}, dropping factors of one and terms of zero,
   * so generated code reads {@code oh * 2 - 1} rather than {@code oh * 2 + kh * 1 - 1}. Arguments: variable and
   * coefficient pairs, then the constant.
   */
  static String linear(Object... termsThenConstant) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i + 1 < termsThenConstant.length; i += 2) {
      String var = (String) termsThenConstant[i];
      int coefficient = (Integer) termsThenConstant[i + 1];
      if (coefficient == 0) {
        continue;
      }
      sb.append(sb.length() == 0 ? "" : " + ").append(var).append(coefficient == 1 ? "" : " * " + coefficient);
    }
    int constant = (Integer) termsThenConstant[termsThenConstant.length - 1];
    if (sb.length() == 0) {
      return Integer.toString(constant);
    }
    if (constant != 0) {
      sb.append(constant > 0 ? " + " : " - ").append(Math.abs(constant));
    }
    return sb.toString();
  }

  /**
   * Adds the rows of the entries of a list, each times the entry's value, into a zero-indexed row: eight entries per
   * pass over {@code target} (one load and store of it per eight products), then four once, two once, then the last
   * one, each product a {@link #MULTIPLY_ADD} {@code madd}. Uses the first {@code count} entries of {@code list};
   * {@code value} and {@code row} are expressions of an entry, written with {@code %s} for it ({@code "g[gf + %s]"},
   * {@code "rows[%s]"}). Declares {@code j}, the entry counter, for later loops over the same list.
   *
   * <p>{@code length} is an {@code int} so that every loop bound is written as a constant: with a variable bound, C2
   * (JDK 17) keeps the eight-row loop scalar (9.5 against 53 GFLOP/s at 784 floats in L1, scratch harness), where
   * the four-target loops of {@link #addListedRowsToGroup} vectorise either way.
   */
  static CodeBlock addListedRows(String list, String value, String row, String target, int length) {
    return addListedRows(list, value, row, target, "0", String.valueOf(length));
  }

  /**
   * {@link #addListedRows} over elements {@code from..to-1} of the rows, bounds given as expressions: for a thread's
   * share of a layer's outputs. C2 keeps these loops scalar where the bounds are variables (see above); the split
   * kernels run them only for the samples left over from groups of four.
   */
  static CodeBlock addListedRows(String list, String value, String row, String target, String from, String to) {
    return addListedRows(list, value, row, target + "[i]", 0, from, to);
  }

  /**
   * {@link #addListedRows} into slot 0 of the aligned arena {@code acc} ({@link #ROW_START}, see {@link #slot}),
   * from rows that hold their data from {@link #ROW_START} too, over {@link #alignedBound}{@code (length)} elements:
   * the elements past {@code length} are padding, which the caller neither reads nor needs zero in the target.
   */
  static CodeBlock addListedRowsAligned(String list, String value, String row, int length) {
    return addListedRows(list, value, row, "acc[" + at(slot(0, length)) + "]", ROW_START, "0",
        String.valueOf(alignedBound(length)));
  }

  /**
   * {@link #addListedRows} with the target element written out ({@code s[i]}, {@code acc[11 + i]}) and the rows read
   * from {@code rowStart}.
   */
  static CodeBlock addListedRows(String list, String value, String row, String target, int rowStart,
      String from, String to) {
    CodeBlock.Builder b = CodeBlock.builder().addStatement("int j = 0");
    b.beginControlFlow("for (; j + $L < count; j += $L)", ROWS_PER_PASS - 1, ROWS_PER_PASS);
    listedPass(b, list, value, row, target, rowStart, from, to, ROWS_PER_PASS);
    b.endControlFlow()
        .beginControlFlow("if (j + 3 < count)");
    listedPass(b, list, value, row, target, rowStart, from, to, 4);
    b.addStatement("j += 4")
        .endControlFlow()
        .beginControlFlow("if (j + 1 < count)");
    listedPass(b, list, value, row, target, rowStart, from, to, 2);
    b.addStatement("j += 2")
        .endControlFlow()
        .beginControlFlow("for (; j < count; j++)")
        .addStatement("int e = $L[j]", list)
        .addStatement("float v = $L", of(value, "e"))
        .addStatement("float[] r = $L", of(row, "e"))
        .beginControlFlow("for (int i = $L; i < $L; i++)", from, to)
        .addStatement("$L = $T.madd(v, r[$L], $L)", target, MULTIPLY_ADD, at(rowStart), target)
        .endControlFlow()
        .endControlFlow();
    return b.build();
  }

  /**
   * Target rows per pass in {@link #addListedRowsToGroup}: four accumulator rows updated from the same listed rows,
   * so each listed row is loaded once per four targets instead of once per target.
   */
  static final int TARGETS_PER_GROUP = 4;

  /**
   * Listed rows per pass in {@link #addListedRowsToGroup}, whose targets are separate arrays with variable bounds. Two
   * rows into four targets is the widest body C2 (JDK 17) vectorised at every row length tried (10 to 1,000 floats,
   * with and without {@code -XX:MaxVectorSize=32}): on an AVX-512 Zen 4, 44 to 61 GFLOP/s where one target with
   * eight rows a pass ran 29 to 43. Four rows into four targets ran faster at 256 floats (57-65) but stayed scalar
   * (13) at 100 and 128, and so did three into four.
   */
  static final int ROWS_PER_GROUP_PASS = 2;

  /**
   * Listed rows per pass in {@link #addListedRowsToGroupAligned}, whose targets are slots of one array at constant
   * offsets. There C2 (JDK 17) vectorises three rows into four targets too, and every pass loads and stores each
   * target's element once per three products instead of two: on a Zen 5 (AVX-512), 13.3 against 16.0 ps a
   * multiply-add over rows of 256 floats, 14.8 against 18.1 over 784, 25.0 against 31.3 over 128 (scratch harness,
   * rows in L2). Four rows stayed scalar (143 ps), and so did three rows into two or three targets or into seven or
   * eight; three into five or six vectorised, a few percent faster again. The products of each target are added in
   * the same order whatever the width, so the sums are the same bits.
   */
  static final int ALIGNED_ROWS_PER_GROUP_PASS = 3;

  /**
   * {@link #addListedRows} for {@link #TARGETS_PER_GROUP} targets that share one list: adds the rows of the listed
   * entries, each times the entry's value for that target, into every target; two listed rows per pass over the
   * four targets, then a last single row. The list is the union of the targets' non-zero entries, so a target may
   * meet entries whose value is zero for it: it adds {@code 0 * row}, which leaves its sums as they were, and the
   * order of its non-zero products is that of {@link #addListedRows}, so the sums are the same bits (a zero's sign
   * aside). {@code values[t]} is the value expression of target {@code t} ({@code %s} for the entry);
   * {@code targets[t]} its row. Declares {@code j}.
   *
   * <p>Over elements {@code from..to-1}, bounds given as expressions: for a thread's share of a layer's outputs.
   * These loops vectorise with variable bounds too (the MLP's first layer, four samples by two rows over 128 of its
   * 256 outputs: the same time per output as over all 256, scratch harness). The targets and the rows are both
   * indexed from {@code start} ({@link #ROW_START} where the rows hold their data from there): C2 keeps the loop
   * scalar unless every array in it is indexed at the same offset within a vector.
   */
  static CodeBlock addListedRowsToGroup(String list, String[] values, String row, String[] targets, int start,
      String from, String to) {
    String[] elements = new String[targets.length];
    for (int t = 0; t < targets.length; t++) {
      elements[t] = targets[t] + "[" + at(start) + "]";
    }
    return groupOfListedRows(list, values, row, elements, start, from, to);
  }

  /**
   * {@link #addListedRowsToGroup} into slots 0 to 3 of the aligned arena {@code acc} ({@link #slot}), from rows that
   * hold their data from {@link #ROW_START}, over {@link #alignedBound}{@code (length)} elements (the ones past
   * {@code length} padding, as in {@link #addListedRowsAligned}), {@link #ALIGNED_ROWS_PER_GROUP_PASS} listed rows a
   * pass. {@code rows} names the array of rows; the passes run in layer {@code layer}'s {@link #groupPassesMethod}
   * for {@code length}.
   *
   * <p>The list goes in chunks of {@link #VALUES_PER_CHUNK} entries: each chunk's values for the four targets are
   * copied into the arena after the slots ({@link #valuesStart}), entry by entry, and the passes method reads them
   * from there at offsets that follow its entry counter. C2 (JDK 17) vectorised the three-row pass only in a method
   * of its own whose every float load is indexed by a loop's counter: with the values read at an index loaded from
   * the list ({@code x[x0 + e0]}), or with the copy's loop before the passes in the same method, it stayed scalar
   * (about 1,900 against 170 µs for the MLP's first layer at batch 64, scratch harness), though the two-row pass
   * vectorised every way. The copy costs four loads and stores per entry against 3,000 multiply-adds or more per
   * pass, and the passes method, over 325 bytes of bytecode, is compiled on its own rather than inlined.
   */
  static CodeBlock addListedRowsToGroupAligned(String layer, String list, String[] values, String rows, int length) {
    if (values.length != TARGETS_PER_GROUP) {
      throw new IllegalArgumentException("a group has " + TARGETS_PER_GROUP + " targets");
    }
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int c0 = 0; c0 < count; c0 += $L)", VALUES_PER_CHUNK)
        .addStatement("int c1 = Math.min(count, c0 + $L)", VALUES_PER_CHUNK)
        .beginControlFlow("for (int q = c0; q < c1; q++)")
        .addStatement("int e = $L[q]", list)
        .addStatement("int vq = $L + $L * (q - c0)", valuesStart(length), TARGETS_PER_GROUP);
    for (int t = 0; t < TARGETS_PER_GROUP; t++) {
      b.addStatement("acc[$L] = $L", t == 0 ? "vq" : "vq + " + t, of(values[t], "e"));
    }
    return b.endControlFlow()
        .add(callGroupPasses(layer, list, rows, length, "c0", "c1"))
        .endControlFlow()
        .build();
  }

  /**
   * The calls of {@link #addListedRowsToGroupAligned} for entries {@code from..to-1} (expressions) of {@code list},
   * whose values are in the arena from {@link #valuesStart}, entry {@code from} first: the full passes, then what
   * they leave.
   */
  static CodeBlock callGroupPasses(String layer, String list, String rows, int length, String from, String to) {
    int width = ALIGNED_ROWS_PER_GROUP_PASS;
    return CodeBlock.builder()
        .addStatement("int full = $L", from.equals("0") ? to + " / " + width + " * " + width
            : from + " + (" + to + " - " + from + ") / " + width + " * " + width)
        .addStatement("$L(acc, $L, $L, $L, full)", groupPassesName(layer, length), rows, list, from)
        .beginControlFlow("if (full < $L)", to)
        .addStatement("$L(acc, $L, $L, $L, full, $L)", groupPassesLeftName(layer, length), rows, list, from, to)
        .endControlFlow()
        .build();
  }

  /**
   * {@link #listNonZeroInAny} that also copies each index's four values into the aligned arena from {@link
   * #valuesStart}{@code (length)}, as {@link #addListedRowsToGroupAligned} does chunk by chunk, for a caller that
   * then calls {@link #callGroupPasses} from 0 to {@code count}: where the list is at most {@link #VALUES_PER_CHUNK}
   * long, the listing loop has the values in registers already, and writing them there saves the separate copy's
   * pass over the list (the MLP's batch-64 inference spent about 7% of its time in that copy, JFR).
   */
  static CodeBlock listNonZeroInAnyCopying(String list, String index, String from, String to, int length,
      String... values) {
    if (values.length != TARGETS_PER_GROUP) {
      throw new IllegalArgumentException("a group has " + TARGETS_PER_GROUP + " targets");
    }
    String[] names = new String[values.length];
    String[] bits = new String[values.length];
    for (int t = 0; t < values.length; t++) {
      names[t] = "a" + t + " = " + values[t];
      bits[t] = "Float.floatToRawIntBits(a" + t + ")";
    }
    CodeBlock.Builder b = CodeBlock.builder()
        .addStatement("int count = 0")
        .beginControlFlow("for (int $L = $L; $L < $L; $L++)", index, from, index, to, index)
        .addStatement("float $L", String.join(", ", names))
        .addStatement("int vq = $L + $L * count", valuesStart(length), TARGETS_PER_GROUP);
    for (int t = 0; t < values.length; t++) {
      b.addStatement("acc[$L] = a$L", t == 0 ? "vq" : "vq + " + t, t);
    }
    return b.addStatement("$L[count] = $L", list, index)
        .addStatement("count += $T.isNonZero($L)", ConvCode.FLOAT_BITS, String.join(" | ", bits))
        .endControlFlow()
        .build();
  }

  /** The name of layer {@code layer}'s {@link #groupPassesMethod} for rows of {@code length} floats. */
  static String groupPassesName(String layer, int length) {
    return layer + "AddRows" + length;
  }

  /**
   * The passes of {@link #addListedRowsToGroupAligned} for rows of {@code length} floats: entries {@code from..to-1}
   * of {@code list}, a whole number of passes of {@link #ALIGNED_ROWS_PER_GROUP_PASS} rows, whose four values each
   * the caller has copied into the arena from {@link #valuesStart}, entry {@code from} first. The rows a chunk leaves
   * go through {@link #groupPassesLeftMethod}.
   */
  static MethodSpec groupPassesMethod(String layer, int length) {
    int width = ALIGNED_ROWS_PER_GROUP_PASS;
    String[] targets = alignedTargets(length);
    String bound = String.valueOf(alignedBound(length));
    CodeBlock.Builder b = CodeBlock.builder()
        .beginControlFlow("for (int j = from; j + $L < to; j += $L)", width - 1, width);
    copiedValuesPass(b, "list", targets, length, bound, width, "from");
    b.endControlFlow();
    return kernel(groupPassesName(layer, length),
            "Adds the rows of entries {@code from..to-1} of {@code list}, a multiple of $L, into the four slots of "
                + "the aligned arena\n{@code acc}, over rows of $L floats, each times its value for the slot, which "
                + "the caller copied into the arena from\nindex $L ({@code Methods.addListedRowsToGroupAligned}: $L "
                + "rows a pass, alone in a method so that C2 vectorises it).\n", width, length, valuesStart(length),
            width)
        .addParameter(FLOATS, "acc")
        .addParameter(ArrayTypeName.of(FLOATS), "rows")
        .addParameter(INTS, "list")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addCode(b.build())
        .build();
  }

  /** {@link #groupPassesMethod} and {@link #groupPassesLeftMethod} for rows of {@code length} floats. */
  static List<MethodSpec> groupPassesMethods(String layer, int length) {
    return List.of(groupPassesMethod(layer, length), groupPassesLeftMethod(layer, length));
  }

  /** The name of layer {@code layer}'s {@link #groupInputPassesMethod} for rows of {@code length} floats. */
  static String groupInputPassesName(String layer, int length) {
    return layer + "AddInputs" + length;
  }

  /**
   * {@link #groupPassesMethod} over every input in order, the four samples' values read from the input itself ({@code
   * x[x0 + j]}, the samples {@code inputs} floats apart) rather than from the listing's copies in the arena: rows
   * {@code from..to-1}, a multiple of {@link #ALIGNED_ROWS_PER_GROUP_PASS}. For a block of inputs none of which is
   * zero in all four samples, where the list would hold every input in order: the same passes, the same sums bit for
   * bit, without the listing loop, which costs about as much as an eighth of the products (the MLP's first layer at
   * batch 64 on random pixels: 54 µs of its 434, the passes 362). C2 vectorises the pass reading the values at the
   * counter as it does the arena's (scratch harness, that layer's passes: 391-394 µs either way).
   */
  static MethodSpec groupInputPassesMethod(String layer, int length, int inputs) {
    int width = ALIGNED_ROWS_PER_GROUP_PASS;
    String[] targets = alignedTargets(length);
    String bound = String.valueOf(alignedBound(length));
    CodeBlock.Builder b = CodeBlock.builder()
        .add("// The rows checked up front, as the other passes methods check theirs. Not x: with its range\n")
        .add("// checked here too, C2 left the pass scalar (2,035 against 385 µs, scratch harness).\n")
        .addStatement("$T.checkFromToIndex(from, to, rows.length)", Objects.class)
        .beginControlFlow("for (int j = from; j + $L < to; j += $L)", width - 1, width);
    groupPassOf(b, null, "rows[%s]", targets, ROW_START, "0", bound, width,
        (t, e) -> "x[x0 + " + (t == 0 ? "" : t * inputs + " + ") + "j" + (e == 0 ? "" : " + " + e) + "]");
    b.endControlFlow();
    return kernel(groupInputPassesName(layer, length),
            "Adds rows {@code from..to-1}, a multiple of $L, into the four slots of the aligned arena {@code acc}, "
                + "over rows of $L\nfloats, each times its value for the slot: sample {@code t}'s "
                + "{@code x[x0 + $L t + j]} ({@code Methods.groupInputPassesMethod}).\n", width, length, inputs)
        .addParameter(FLOATS, "acc")
        .addParameter(ArrayTypeName.of(FLOATS), "rows")
        .addParameter(FLOATS, "x")
        .addParameter(TypeName.INT, "x0")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addCode(b.build())
        .build();
  }

  /** The name of layer {@code layer}'s {@link #groupPassesLeftMethod} for rows of {@code length} floats. */
  static String groupPassesLeftName(String layer, int length) {
    return layer + "AddRowsLeft" + length;
  }

  /**
   * What {@link #groupPassesMethod} leaves of a chunk, fewer rows than a pass: entries {@code from..to-1} of {@code
   * list}, whose values the caller copied into the arena from {@link #valuesStart} for entry {@code first} on, in one
   * narrower pass. A method of its own: in the same method as the full passes, a pass after their loop left that
   * loop scalar.
   */
  static MethodSpec groupPassesLeftMethod(String layer, int length) {
    String[] targets = alignedTargets(length);
    String bound = String.valueOf(alignedBound(length));
    CodeBlock.Builder b = CodeBlock.builder().addStatement("int j = from");
    for (int w = ALIGNED_ROWS_PER_GROUP_PASS - 1; w >= 1; w--) {
      if (w == ALIGNED_ROWS_PER_GROUP_PASS - 1) {
        b.beginControlFlow("if (to - from == $L)", w);
      } else {
        b.nextControlFlow("else if (to - from == $L)", w);
      }
      copiedValuesPass(b, "list", targets, length, bound, w, "first");
    }
    b.endControlFlow();
    return kernel(groupPassesLeftName(layer, length),
            "The entries {@code from..to-1} of {@code list} that {@code $L} leaves, fewer than $L: their rows added "
                + "into the four\nslots of the aligned arena {@code acc} in one pass, each times its value, which the "
                + "caller copied into the arena from\nindex $L for entry {@code first} on.\n",
            groupPassesName(layer, length), ALIGNED_ROWS_PER_GROUP_PASS, valuesStart(length))
        .addParameter(FLOATS, "acc")
        .addParameter(ArrayTypeName.of(FLOATS), "rows")
        .addParameter(INTS, "list")
        .addParameter(TypeName.INT, "first")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addCode(b.build())
        .build();
  }

  private static String[] alignedTargets(int length) {
    String[] targets = new String[TARGETS_PER_GROUP];
    for (int t = 0; t < TARGETS_PER_GROUP; t++) {
      targets[t] = "acc[" + at(slot(t, length)) + "]";
    }
    return targets;
  }

  /**
   * Entries per chunk of {@link #addListedRowsToGroupAligned}: a multiple of its three rows a pass, and at least 256,
   * so that a dense layer's forward block of inputs and a batch of 64 go in one chunk.
   */
  static final int VALUES_PER_CHUNK = 258;

  /** Where {@link #addListedRowsToGroupAligned} copies a chunk's values in the arena: after the four slots. */
  static int valuesStart(int length) {
    return slot(TARGETS_PER_GROUP, length);
  }

  /**
   * One pass of {@link #groupPassesMethod} over {@code width} entries from {@code j}, the values of entry {@code j +
   * e} for target {@code t} read from {@code acc[vj + 4 e + t]}.
   */
  private static void copiedValuesPass(CodeBlock.Builder b, String list, String[] targets, int length, String bound,
      int width, String first) {
    b.addStatement("int vj = $L + $L * (j - $L)", valuesStart(length), TARGETS_PER_GROUP, first);
    groupPassOf(b, list, "rows[%s]", targets, ROW_START, "0", bound, width, (t, e) -> {
      int offset = TARGETS_PER_GROUP * e + t;
      return "acc[vj" + (offset == 0 ? "" : " + " + offset) + "]";
    });
  }

  private static CodeBlock groupOfListedRows(String list, String[] values, String row, String[] targets,
      int rowStart, String from, String to) {
    if (values.length != TARGETS_PER_GROUP || targets.length != TARGETS_PER_GROUP) {
      throw new IllegalArgumentException("a group has " + TARGETS_PER_GROUP + " targets");
    }
    CodeBlock.Builder b = CodeBlock.builder().addStatement("int j = 0");
    b.beginControlFlow("for (; j + $L < count; j += $L)", ROWS_PER_GROUP_PASS - 1, ROWS_PER_GROUP_PASS);
    groupPass(b, list, values, row, targets, rowStart, from, to, ROWS_PER_GROUP_PASS);
    b.endControlFlow()
        .beginControlFlow("if (j < count)");
    groupPass(b, list, values, row, targets, rowStart, from, to, 1);
    b.endControlFlow();
    return b.build();
  }

  /**
   * Where the aligned loops' rows hold their data: {@code dev.kiln.runtime.kernel.AlignedArena.FIRST}, 4 bytes before
   * a 64-byte boundary in an array at the start of a G1 heap region, so that C2's scalar pre-loop runs once (see
   * {@code AlignedArena}; the value is {@code NetworkPlan.ALIGNED_ROW_START}).
   */
  static final int ROW_START = dev.kiln.processor.plan.NetworkPlan.ALIGNED_ROW_START;

  /** The bound of an aligned loop over rows of {@code length} floats ({@code NetworkPlan.alignedBound}). */
  static int alignedBound(int length) {
    return dev.kiln.processor.plan.NetworkPlan.alignedBound(length);
  }

  /**
   * Where target {@code t} of an aligned loop over rows of {@code length} floats starts in the arena: {@link
   * #ROW_START} plus {@code t} whole slots, each a multiple of 16 floats, so every slot lies at the same place in a
   * cache line and C2 may pack the four targets' stores, whose offsets are constants.
   */
  static int slot(int t, int length) {
    return ROW_START + t * slotStride(length);
  }

  /**
   * Floats an aligned arena needs for rows of {@code length} floats: the four slots, then the values that {@link
   * #addListedRowsToGroupAligned} copies.
   */
  static int groupArenaFloats(int length) {
    return valuesStart(length) + TARGETS_PER_GROUP * VALUES_PER_CHUNK;
  }

  /**
   * Floats {@code slots} slots alone take for rows of {@code length} floats: a convolution's arena, whose passes read
   * their values from the weight rather than from copies ({@code ConvCode.tapPassesMethods}).
   */
  static int slotsFloats(int slots, int length) {
    return slot(slots, length);
  }

  private static int slotStride(int length) {
    return (alignedBound(length) + 15) / 16 * 16;
  }

  /**
   * The length to allocate for rows that hold {@code length} floats from {@link #ROW_START} and are read by aligned
   * loops up to {@link #alignedBound}: whole cache lines, as {@link #alignedRowLength} makes them.
   */
  static int alignedStartRowLength(int length) {
    return alignedRowLength(dev.kiln.processor.plan.NetworkPlan.alignedRowFloats(length));
  }

  /**
   * One pass of {@link #addListedRowsToGroup} over {@code width} entries from {@code j}. Each listed row's element
   * is read into a local before the targets are updated: the targets are float arrays too, so C2 could not reuse
   * one load of {@code r0[i]} across stores to them.
   */
  private static void groupPass(CodeBlock.Builder b, String list, String[] values, String row, String[] targets,
      int rowStart, String from, String to, int width) {
    groupPassOf(b, list, row, targets, rowStart, from, to, width, (t, e) -> of(values[t], "e" + e));
  }

  /** Target {@code t}'s value expression for the pass's entry {@code e} (0 for {@code e0}). */
  private interface PassValue {
    String of(int t, int e);
  }

  /** {@link #groupPass} with each target's value for each of the pass's entries given by {@code value}. */
  private static void groupPassOf(CodeBlock.Builder b, String list, String row, String[] targets, int rowStart,
      String from, String to, int width, PassValue value) {
    String[] entries = new String[width];
    String[] rows = new String[width];
    String[] elements = new String[width];
    for (int e = 0; e < width; e++) {
      String j = "j" + (e == 0 ? "" : " + " + e);
      // A null list: the entries are the pass counter's, in order.
      entries[e] = "e" + e + " = " + (list == null ? j : list + "[" + j + "]");
      rows[e] = "r" + e + " = " + of(row, "e" + e);
      elements[e] = "w" + e + " = r" + e + "[" + at(rowStart) + "]";
    }
    b.addStatement("int $L", String.join(", ", entries))
        .addStatement("float[] $L", String.join(", ", rows));
    for (int t = 0; t < targets.length; t++) {
      String[] scalars = new String[width];
      for (int e = 0; e < width; e++) {
        scalars[e] = "v" + t + e + " = " + value.of(t, e);
      }
      b.addStatement("float $L", String.join(", ", scalars));
    }
    b.beginControlFlow("for (int i = $L; i < $L; i++)", from, to)
        .addStatement("float $L", String.join(", ", elements));
    for (int t = 0; t < targets.length; t++) {
      b.addStatement("$L = $L", targets[t], maddChain(targets[t], "v" + t, "w", "", width));
    }
    b.endControlFlow();
  }

  /** The loop index {@code i} moved by a constant start: {@code i}, or {@code 11 + i}. */
  private static String at(int start) {
    return start == 0 ? "i" : start + " + i";
  }

  /** One pass of {@link #addListedRows} over {@code width} entries from {@code j}. */
  private static void listedPass(CodeBlock.Builder b, String list, String value, String row, String target,
      int rowStart, String from, String to, int width) {
    String[] entries = new String[width];
    String[] values = new String[width];
    String[] rows = new String[width];
    for (int e = 0; e < width; e++) {
      entries[e] = "e" + e + " = " + list + "[j" + (e == 0 ? "" : " + " + e) + "]";
      values[e] = "v" + e + " = " + of(value, "e" + e);
      rows[e] = "r" + e + " = " + of(row, "e" + e);
    }
    b.addStatement("int $L", String.join(", ", entries))
        .addStatement("float $L", String.join(", ", values))
        .addStatement("float[] $L", String.join(", ", rows))
        .beginControlFlow("for (int i = $L; i < $L; i++)", from, to)
        .addStatement("$L = $L", target, maddChain(target, "v", "r", "[" + at(rowStart) + "]", width))
        .endControlFlow();
  }

  /**
   * The products {@code v0 * r0[i]} to {@code v(width-1) * r(width-1)[i]} added to {@code start} in that order, as
   * nested {@code madd} calls: {@code madd(v1, r1[i], madd(v0, r0[i], s[i]))}. {@code scalar} and {@code row} are
   * the two factors' name prefixes, {@code index} the row's subscript.
   */
  static CodeBlock maddChain(String start, String scalar, String row, String index, int width) {
    CodeBlock chain = CodeBlock.of("$L", start);
    for (int e = 0; e < width; e++) {
      chain = CodeBlock.of("$T.madd($L$L, $L$L$L, $L)", MULTIPLY_ADD, scalar, e, row, e, index, chain);
    }
    return chain;
  }

  /**
   * Declares {@code count} and lists into {@code list} the indices {@code index} in {@code [from, to)} whose
   * {@code value} (an expression of {@code index}) is not zero: on the float's bits, without a branch, because
   * whether a value is zero is unpredictable and a float comparison compiles to a branch. The list is what
   * {@link #addListedRows} walks.
   */
  static CodeBlock listNonZero(String list, String index, String from, String to, String value) {
    return listNonZeroInAny(list, index, from, to, value);
  }

  /**
   * {@link #listNonZero} for a group: lists the indices where any of {@code values} (one per target) is not zero, on
   * the OR of their bits (zero, whatever the signs, exactly when every value is a zero).
   */
  static CodeBlock listNonZeroInAny(String list, String index, String from, String to, String... values) {
    String[] bits = new String[values.length];
    for (int v = 0; v < values.length; v++) {
      bits[v] = "Float.floatToRawIntBits(" + values[v] + ")";
    }
    return CodeBlock.builder()
        .addStatement("int count = 0")
        .beginControlFlow("for (int $L = $L; $L < $L; $L++)", index, from, index, to, index)
        .addStatement("$L[count] = $L", list, index)
        .addStatement("count += $T.isNonZero($L)", ConvCode.FLOAT_BITS, String.join(" | ", bits))
        .endControlFlow()
        .build();
  }

  private static String of(String expression, String entry) {
    return expression.replace("%s", entry);
  }

  /**
   * The length to allocate for the rows of a matrix of rows {@code floats} long: the least length from {@code floats}
   * up whose array, with HotSpot's 16-byte array header (compressed class pointers, heaps up to 32 GB), is a whole
   * number of 64-byte cache lines. The rows of {@code new float[n][len]} are allocated one after another, so they
   * then all start at the same offset within a cache line, and when C2 aligns a vectorised loop to one of them, it
   * aligns them all: with rows of 400 floats, whose starts drift by 16 bytes from one row to the next, the
   * convolutions' four-filter passes ran at 41-65 GFLOP/s depending on where the rows fell, and at 60-81 with rows
   * of 412 (scratch harness, AMD Zen 4). The loops never read past {@code floats}.
   */
  static int alignedRowLength(int floats) {
    int line = 16;
    int headerFloats = 4;
    return floats + Math.floorMod(-(floats + headerFloats), line);
  }

  /** The method name of a layer's pass: {@code conv1Forward}. */
  static String pass(String layer, String pass) {
    return layer + pass;
  }

  /**
   * {@code method}: a copy of layer {@code layer}'s weight in {@code field} that {@code refresh} remakes when the
   * weight's version has moved (after a load, an optimizer step or {@code markModified}); {@code field + "Version"}
   * holds the version it was made from. Threads that see a stale version serialise on {@code lock}; the rest read the
   * copy freely (its version field is volatile and written after the copy and its field).
   */
  static MethodSpec versionedCopy(String layer, String lock, String method, String field, TypeName type, String what,
      CodeBlock refresh) {
    return MethodSpec.methodBuilder(method)
        .addModifiers(Modifier.PRIVATE)
        .returns(type)
        .addJavadoc("$L's weight $L, current with the weight's values.\n", layer, what)
        .addStatement("int version = $L.weight().version()", layer)
        .beginControlFlow("if (version != $LVersion)", field)
        .beginControlFlow("synchronized ($L)", lock)
        .beginControlFlow("if (version != $LVersion)", field)
        .addCode(refresh)
        .addStatement("$LVersion = version", field)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .addStatement("return $L", field)
        .build();
  }
}
