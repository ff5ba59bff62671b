/**
 * Running one model's passes on several threads: {@link dev.kiln.runtime.parallel.WorkerPool}, the fixed pool of
 * threads that data-parallel training ({@code dev.kiln.runtime.train.Trainer}) and parallel inference fork and join
 * on without allocating, and {@link dev.kiln.runtime.parallel.ParallelInference}, which answers one caller's batch,
 * down to a single sample, on several threads (split by samples; a small batch by the first layer's inputs, or its
 * leading convolutions by filters).
 */
package dev.kiln.runtime.parallel;
