/**
 * JMH benchmarks of Kiln's generated networks against the libraries a Java user would otherwise pick.
 *
 * <p>Two reference nets (those of {@code shared/pytorch}): the MLP 784-256-128-10 and LeNet-5, each in three
 * operations, all timed as average microseconds per operation:
 *
 * <ul>
 *   <li>{@code latencyBatch1}: inference on one 1x28x28 image;
 *   <li>{@code throughputBatch64}: inference on a batch of 64 (images per second = 64 / time);
 *   <li>{@code trainStepBatch64}: one training step on 64 images: forward, softmax cross-entropy, backward, Adam
 *       (lr 1e-3).
 * </ul>
 *
 * <p>Each runs on 1 and on 2 threads ({@code threads} parameter). What "2 threads" means differs by library, as each
 * library offers it:
 *
 * <ul>
 *   <li>Kiln: batch 64 is split into two halves of 32 run on the calling thread and one pooled worker, each with
 *       its own workspace; training is data-parallel (private gradient workspaces, gradients summed, one Adam step),
 *       but for the MLP's first layer, which is split by outputs as the trainer splits it ({@code
 *       Model.splitUnits}). Batch 1, two ways ({@link KilnLatencyBench}): one call shared with a second thread by
 *       {@code ParallelInference} (the MLP's first layer split by its inputs, LeNet-5's two convolutions by filters
 *       but with the Vector API kernels, where its call stays on the caller), and two callers at once ({@code
 *       @Threads(2)}), each with its own workspace, reporting the time each call takes.
 *   <li>ONNX Runtime: {@code intraOpNumThreads = threads} (inter-op 1, sequential execution), one caller.
 *   <li>Deeplearning4j: {@code OMP_NUM_THREADS} and {@code OPENBLAS_NUM_THREADS} = threads (set before the native
 *       libraries load) and ND4J's thread counts likewise, one caller.
 *   <li>PyTorch through DJL: {@code torch.set_num_threads(threads)} (intra-op), inter-op threads 1, one caller.
 * </ul>
 *
 * <p>The Kiln benchmarks live in {@code src/main/java} and build by default; those of the peers live in {@code
 * src/peers/java} and build only with the Maven profile {@code peers}, which also downloads the peers and makes the
 * runnable {@code target/kiln-benchmarks.jar}. {@code benchmarks/run.sh} builds, runs and reports. {@link
 * PairedSteps} compares configurations of the training step in one JVM, round by round, where the host's states would
 * confound separate runs. {@link RowUpdateBench} times no network: the default build's two product loops alone, the
 * ceiling under its figures.
 */
package dev.kiln.benchmarks;
