package dev.kiln.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link KilnBench}'s batch-64 inference and training step, default kernels, in a JVM started with two HotSpot flags
 * that suit the generated loops on processors with 512-bit vectors (AVX-512): {@code -XX:MaxVectorSize=32}, so that
 * C2 vectorises them with 256-bit vectors, whose loads cross a cache line only every other time where a 512-bit load
 * at an unaligned address always does; and {@code -XX:ObjectAlignmentInBytes=32}, so that every array's data starts
 * at the same offset from a 32-byte boundary and C2's alignment pre-loop aligns all the rows of a loop at once, not
 * only the one it aligns on. The second flag costs heap: every object is padded to 32 bytes. See "JVM flags" in
 * {@code docs/performance.md}. The report shows this fork beside the default figures, as "Kiln, tuned JVM".
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxVectorSize=32", "-XX:ObjectAlignmentInBytes=32"})
public class KilnTunedBench extends KilnBench {}
