/**
 * The annotation processor, as a pipeline with one package per stage: {@code read} (annotation values and where
 * they are written) → {@code validate} (every rule, into a report) → {@code model} (immutable, checked records) →
 * {@code plan} (buffers, costs) → {@code generate} (JavaPoet). {@link dev.kiln.processor.KilnProcessor} only wires
 * the stages and keeps one bad network from stopping the others.
 */
package dev.kiln.processor;
