package dev.kiln.benchmarks;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.loss.SoftmaxCrossEntropy;
import dev.kiln.runtime.optim.Adam;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kiln's generated {@code Kiln_Mlp} and {@code Kiln_LeNet5} (samples module) on a batch of 64: inference and one
 * training step (forward, {@link SoftmaxCrossEntropy} on class labels, backward, {@link Adam} lr 1e-3, zero grad).
 * Batch-1 latency is in {@link KilnLatencyBench}.
 *
 * <p>"threads" = 2: the batch is split into two halves of 32 run at once by the calling thread and one worker of a
 * {@link Team}, each half on its own workspace, as the trainer does it. For training, the first half's workspace adds
 * into the model's gradients and the second's has private ones ({@link Model#newPrivateWorkspace}); each half's loss
 * gradient is halved (its loss is a mean over 32; halved, the two sum to the gradient of the mean over 64, as on one
 * thread, and halving is exact). After both backward passes each thread adds its slice of the private gradients onto
 * the model's (zeroing them for next time), applies Adam to that slice ({@code Optimizer.stepPart}; the result is
 * that of one whole step) and zeroes it, and then remakes the same rows of the forward pass's transposed weights
 * ({@code Model.repackPart}), as the trainer does, instead of leaving that to the next forward pass on one thread.
 *
 * <p>The MLP's first layer is split by outputs instead, as the trainer splits it ({@code Model.splitUnits}): each
 * thread first computes its 128 of the layer's 256 outputs for all 64 samples; the halves then run the rest of their
 * passes, leaving the layer's output gradient; and each thread sets its rows of the layer's weight gradient from all
 * 64 samples before its slice of the reduction and of Adam's step, whose slice of that weight is the same rows. A
 * thread then reads and writes only its own half of that weight, of its gradient and of its transposed copy.
 *
 * <p>Nothing is allocated per operation: workspaces, inputs, gradient arrays and the team's tasks are made once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class KilnBench {
  private static final int BATCH = 64;

  @Param({"mlp", "lenet5"})
  public String net;

  @Param({"1", "2"})
  public int threads;

  /**
   * How a first layer the model lets training split by outputs ({@code Model.splitUnits}) is trained on several
   * threads: {@code auto} as the trainer does ({@code Model.splitsForward} says whether its forward pass is split
   * too), {@code full} forward pass and weight gradient split, {@code gradient} its weight gradient only, {@code
   * none} not at all (the batch split by samples for every layer, the gradients reduced). For A/B runs.
   */
  @Param({"auto"})
  public String firstLayerSplit = "auto"; // also for callers outside JMH (AllocationProbe), which set no parameter

  private Model inference;
  private Model training;
  private SoftmaxCrossEntropy loss;
  private Adam adam;
  private Team team;

  /** Per part (one part on 1 thread, two halves on 2): input, labels, workspaces, loss gradient. */
  private float[][] x;
  private int[][] y;
  private Workspace[] inferWs;
  private Workspace[] trainWs;
  private float[][] gradOut;
  private float[] partLoss;
  private int part;

  private Team.Part inferPart;
  private Team.Part trainPart;
  private Team.Part reducePart;
  private Team.Part reduceAndStepPart;
  private Team.Part repackPart;
  private Team.Part splitForwardPart;
  /** The first layer's units where it is split by outputs (the MLP on two threads), else 0. */
  private int splitUnits;
  /** Learnable tensors of the split layer, first in the model's parameters: left out of the reduction. */
  private int splitParameters;
  private float[] pixels;
  private float[] splitOutputs;
  private float[] splitGradients;

  @Setup(Level.Trial)
  public void setUp() {
    if (threads < 1 || BATCH % threads != 0) {
      throw new IllegalArgumentException("threads must divide " + BATCH + ": " + threads);
    }
    inference = Nets.kiln(net).eval();
    training = Nets.kiln(net).train();
    loss = new SoftmaxCrossEntropy();
    adam = new Adam(training.parameters(), 1e-3);
    team = new Team(threads);
    part = BATCH / threads;
    pixels = Inputs.pixels(BATCH);
    boolean splitForward = switch (firstLayerSplit) {
      case "auto" -> training.splitsForward();
      case "full" -> true;
      case "gradient", "none" -> false;
      default -> throw new IllegalArgumentException(
          "firstLayerSplit: auto, full, gradient or none: " + firstLayerSplit);
    };
    boolean split = !firstLayerSplit.equals("none") && threads > 1 && training.splitUnits() / threads >= 32;
    splitUnits = split ? training.splitUnits() : 0;
    splitParameters = splitUnits > 0 ? training.splitParameters() : 0;
    if (splitUnits > 0) {
      splitOutputs = splitForward ? new float[BATCH * splitUnits] : null;
      splitGradients = new float[BATCH * splitUnits];
      int rows = training.parameters().get(0).size();
      for (int p = 0; p <= threads; p++) {
        if (sliceStart(rows, p) != sliceStart(splitUnits, p) * Inputs.IMAGE) {
          throw new IllegalStateException("Adam's slices of the split weight are not the threads' rows");
        }
      }
    }
    int[] labels = Inputs.labels(BATCH);
    int in = Inputs.IMAGE;
    x = new float[threads][];
    y = new int[threads][];
    inferWs = new Workspace[threads];
    trainWs = new Workspace[threads];
    gradOut = new float[threads][part * Inputs.CLASSES];
    partLoss = new float[threads];
    for (int p = 0; p < threads; p++) {
      x[p] = Inputs.slice(pixels, p * part * in, part * in);
      y[p] = new int[part];
      System.arraycopy(labels, p * part, y[p], 0, part);
      inferWs[p] = inference.newWorkspace(part);
      // The first part's backward pass adds straight into the model's gradients; the others' into private ones.
      // A split layer's shares run over the whole batch on each thread's workspace.
      int rows = splitUnits > 0 ? BATCH : part;
      trainWs[p] = p == 0 ? training.newWorkspace(rows) : training.newPrivateWorkspace(rows);
      // As in the trainer and in PyTorch, where images do not require grad: no gradient for the network's input.
      trainWs[p].setInputGradientWanted(false);
      if (splitUnits > 0) {
        trainWs[p].setFirstLayerSplit(splitOutputs, splitGradients, p * part);
      }
    }
    splitForwardPart = p -> training.splitForward(trainWs[p], pixels, BATCH, splitOutputs, sliceStart(splitUnits, p),
        sliceStart(splitUnits, p + 1));
    inferPart = p -> inference.forward(inferWs[p], x[p], part);
    trainPart =
        p -> {
          float[] out = training.forward(trainWs[p], x[p], part);
          partLoss[p] = loss.compute(out, y[p], part, Inputs.CLASSES, gradOut[p]);
          if (threads > 1) {
            scale(gradOut[p], 1f / threads);
          }
          training.backward(trainWs[p], gradOut[p]);
        };
    reducePart = this::reduceGradients;
    reduceAndStepPart =
        p -> {
          reduceGradients(p);
          adam.stepPart(p, threads);
          zeroGradients(p);
        };
    repackPart = p -> training.repackPart(p, threads);
    check();
  }

  /**
   * Part {@code p} of the other halves' private gradients added onto the model's, zeroing them for next time; a
   * split first layer's rows {@code p} of its weight gradient set from the whole batch instead.
   */
  private void reduceGradients(int p) {
    if (splitUnits > 0) {
      training.splitWeightGradient(trainWs[p], pixels, splitGradients, BATCH, sliceStart(splitUnits, p),
          sliceStart(splitUnits, p + 1));
    }
    for (int i = splitParameters; i < training.parameters().size(); i++) {
      float[] target = training.parameters().get(i).grad();
      int from = sliceStart(target.length, p);
      int to = sliceStart(target.length, p + 1);
      for (int t = 1; t < threads; t++) {
        float[] own = trainWs[t].gradients()[i];
        for (int j = from; j < to; j++) {
          target[j] += own[j];
          own[j] = 0f;
        }
      }
    }
  }

  /** Part {@code p} of the model's gradients zeroed, after the step that read them (as Adam.zeroGrad would). */
  private void zeroGradients(int p) {
    // A split layer's rows are set, not added to, by the next step's reduceGradients.
    for (int i = splitParameters; i < training.parameters().size(); i++) {
      float[] target = training.parameters().get(i).grad();
      java.util.Arrays.fill(target, sliceStart(target.length, p), sliceStart(target.length, p + 1), 0f);
    }
  }

  /**
   * Where part {@code p}'s slice of an array of {@code length} starts, as {@code Optimizer.stepPart} slices it; of the
   * {@code splitUnits} outputs of a split first layer, where thread {@code p}'s share starts, as the trainer splits it.
   */
  private int sliceStart(int length, int p) {
    return (int) ((long) length * p / threads);
  }

  private static void scale(float[] values, float factor) {
    for (int i = 0; i < values.length; i++) {
      values[i] *= factor;
    }
  }

  /** Fails set-up, not the timed loop, if a pass is broken; leaves weights untouched and gradients zero. */
  private void check() {
    if (Float.isNaN(throughputBatch64()) || Float.isNaN(gradients())) {
      throw new IllegalStateException("Kiln produced NaN");
    }
    training.zeroGrad();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    team.close();
  }

  @Benchmark
  public float throughputBatch64() {
    if (threads == 1) {
      return inference.forward(inferWs[0], x[0], BATCH)[0];
    }
    team.run(inferPart);
    return inferWs[0].output()[0];
  }

  @Benchmark
  public float trainStepBatch64() {
    if (threads == 1) {
      float loss = gradients();
      adam.step();
      adam.zeroGrad();
      return loss;
    }
    if (splitOutputs != null) {
      team.run(splitForwardPart);
    }
    team.run(trainPart);
    // Each thread adds its slice of the second half's gradients onto the model's (zeroing the private ones),
    // applies Adam to that same slice and zeroes it, so the step is split as well and no thread waits in between.
    team.run(reduceAndStepPart);
    adam.finishSplitStep();
    // Then each remakes the same rows of the forward pass's transposed weights, as the trainer does.
    team.run(repackPart);
    training.finishRepack();
    return meanLoss();
  }

  /**
   * Forward, loss and backward on the batch, leaving the gradient of the mean loss over all 64 samples in the
   * model's {@code Parameter.grad()} arrays, which must be zero before (as set-up and every step leave them);
   * returns that loss.
   */
  float gradients() {
    if (threads == 1) {
      trainPart.run(0);
    } else {
      if (splitOutputs != null) {
        team.run(splitForwardPart);
      }
      team.run(trainPart);
      team.run(reducePart);
    }
    return meanLoss();
  }

  private float meanLoss() {
    float sum = 0;
    for (float l : partLoss) {
      sum += l;
    }
    return sum / threads;
  }

  /**
   * The leading parameters whose gradients a step leaves in place: a split first layer's, which the next step sets
   * rather than adds to (0 where nothing is split).
   */
  int splitParameters() {
    return splitParameters;
  }

  /** The model the training step updates. */
  Model trainingModel() {
    return training;
  }

  /** The inference output of the last {@link #throughputBatch64}, for part {@code p} (of {@code 64 / threads}). */
  float[] inferenceOutput(int p) {
    return inferWs[p].output();
  }
}
