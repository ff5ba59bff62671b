package dev.kiln.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link KilnLatencyBench} in a JVM with the same two HotSpot flags as {@link KilnTunedBench}. */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxVectorSize=32", "-XX:ObjectAlignmentInBytes=32"})
public class KilnTunedLatencyBench extends KilnLatencyBench {}
