package dev.kiln.samples;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Batch;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import dev.kiln.runtime.train.Trainer;
import java.util.Random;

/**
 * Runs LeNet-5's and the MLP's generated kernels until it is stopped or its time is up, so that the JIT compiles
 * them: inference at batch 64 and batch 1, and training steps at batch 64 (Adam, one thread). The inputs are
 * image-like, a zero border on the left and values in [0, 1) elsewhere, so the paths that skip zeros run as well; the
 * batch-64 inference runs on inputs with no zero too, which the dense layers take in order (their {@code AddInputs}
 * passes).
 * {@link VectorizedKernelsTest} starts it in a JVM of its own and reads the machine code HotSpot prints.
 *
 * <p>Usage: {@code KernelWorkout SECONDS}.
 */
public final class KernelWorkout {
  private static final int BATCH = 64;

  private KernelWorkout() {}

  public static void main(String[] args) {
    long seconds = Long.parseLong(args[0]);
    Model[] inference = {new Kiln_LeNet5().eval(), new Kiln_Mlp().eval()};
    Model[] training = {new Kiln_LeNet5().train(), new Kiln_Mlp().train()};
    Random random = new Random(7);
    float[] images = new float[BATCH * 784];
    for (int i = 0; i < images.length; i++) {
      images[i] = i % 28 < 6 ? 0f : random.nextFloat();
    }
    float[] dense = new float[BATCH * 784];
    for (int i = 0; i < dense.length; i++) {
      dense[i] = 1f - random.nextFloat(); // in (0, 1]: no zero
    }
    int[] labels = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      labels[i] = random.nextInt(10);
    }
    Workspace[] workspaces = new Workspace[inference.length];
    Trainer[] trainers = new Trainer[training.length];
    Batch[] batches = new Batch[training.length];
    for (int m = 0; m < inference.length; m++) {
      workspaces[m] = inference[m].newWorkspace(BATCH);
      trainers[m] = Trainer.builder(training[m])
          .loss(new SoftmaxCrossEntropy())
          .optimizer(new Adam(training[m].parameters(), 1e-4))
          .threads(1)
          .build();
      batches[m] = Batch.ofLabels(training[m].inputShape(), images, labels);
    }
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    double sink = 0;
    while (System.nanoTime() < end) {
      for (int m = 0; m < inference.length; m++) {
        sink += inference[m].forward(workspaces[m], images, BATCH)[0];
        sink += inference[m].forward(workspaces[m], dense, BATCH)[0];
        for (int i = 0; i < 4; i++) {
          sink += inference[m].forward(workspaces[m], images, 1)[0];
        }
        sink += trainers[m].step(batches[m]);
      }
    }
    for (Trainer trainer : trainers) {
      trainer.close();
    }
    // Printed so that the JIT cannot drop the calls as unused.
    System.out.println("workout done " + sink);
  }
}
