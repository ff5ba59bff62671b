package dev.kiln.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link KilnLatencyBench} with Kiln's opt-in Vector API kernels turned on, by the same JVM options as {@link
 * KilnVectorBench} (whose set-up checks that they take effect).
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules", "jdk.incubator.vector", "-Dkiln.vector=true"})
public class KilnVectorLatencyBench extends KilnLatencyBench {}
