package dev.kiln.benchmarks;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
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
 * PyTorch (libtorch 2.7.1, CPU) through DJL 0.35.1, offline: the native library comes from the {@code
 * pytorch-native-cpu} jar. The nets are built with DJL's block API (the same layers as the reference nets).
 * "threads" is libtorch's intra-op thread count ({@code torch.set_num_threads}), inter-op threads 1, one caller.
 *
 * <p>Inference calls the block directly (no Predictor/Translator), inputs staged in native memory once. The training
 * step is DJL's usual one: forward under a gradient collector, {@code SoftmaxCrossEntropyLoss} (sparse labels, from
 * logits), backward, {@code trainer.step()} with Adam (lr 1e-3). Each operation's temporaries live in a sub-manager
 * that is closed at its end, so native memory stays flat.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dai.djl.offline=true"})
public class DjlBench {
  @Param({"mlp", "lenet5"})
  public String net;

  @Param({"1", "2"})
  public int threads;

  private NDManager manager;
  private Model inferenceModel;
  private Model trainingModel;
  private ParameterStore parameters;
  private NDList one;
  private NDList batch;
  private Trainer trainer;
  private NDList trainInput;
  private NDList trainLabels;

  @Setup(Level.Trial)
  public void setUp() {
    // Read once, when the engine starts; each JMH fork is a fresh JVM, so each parameter set gets its own.
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    Engine engine = Engine.getEngine("PyTorch");
    manager = engine.newBaseManager(Device.cpu());
    boolean lenet = Inputs.isLeNet5(net);
    Shape image = new Shape(1, 1, 28, 28);

    inferenceModel = Model.newInstance(net + "-inference", Device.cpu(), "PyTorch");
    inferenceModel.setBlock(lenet ? lenet5() : mlp());
    inferenceModel.getBlock().initialize(inferenceModel.getNDManager(), DataType.FLOAT32, image);
    parameters = new ParameterStore(manager, false);
    one = new NDList(manager.create(Inputs.pixels(1), new Shape(1, 1, 28, 28)));
    batch = new NDList(manager.create(Inputs.pixels(64), new Shape(64, 1, 28, 28)));

    trainingModel = Model.newInstance(net + "-training", Device.cpu(), "PyTorch");
    trainingModel.setBlock(lenet ? lenet5() : mlp());
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
            .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
            .optDevices(new Device[] {Device.cpu()});
    trainer = trainingModel.newTrainer(config);
    trainer.initialize(new Shape(64, 1, 28, 28));
    NDManager trainManager = trainer.getManager();
    trainInput = new NDList(trainManager.create(Inputs.pixels(64), new Shape(64, 1, 28, 28)));
    int[] labels = Inputs.labels(64);
    float[] y = new float[labels.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = labels[i];
    }
    trainLabels = new NDList(trainManager.create(y, new Shape(64)));

    if (Float.isNaN(throughputBatch64Check())) {
      throw new IllegalStateException("PyTorch produced NaN");
    }
    if (Float.isNaN(trainStepBatch64())) {
      throw new IllegalStateException("PyTorch training produced NaN");
    }
  }

  private float throughputBatch64Check() {
    try (NDManager scope = manager.newSubManager()) {
      batch.tempAttach(scope);
      return inferenceModel.getBlock().forward(parameters, batch, false).head().getFloat(0, 0);
    }
  }

  /** conv1 6@5x5 pad 2 relu, maxpool 2, conv2 16@5x5 relu, maxpool 2, flatten, fc1 120 relu, fc2 84 relu, fc3 10. */
  static Block lenet5() {
    return new SequentialBlock()
        .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).optPadding(new Shape(2, 2)).setFilters(6).build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(16).build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(120).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(84).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(Inputs.CLASSES).build());
  }

  /** flatten, fc1 256 relu, fc2 128 relu, fc3 10. */
  static Block mlp() {
    return new SequentialBlock()
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(256).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(Inputs.CLASSES).build());
  }

  private NDList infer(NDList input, NDManager scope) {
    input.tempAttach(scope);
    return inferenceModel.getBlock().forward(parameters, input, false);
  }

  @Benchmark
  public NDArray latencyBatch1() {
    try (NDManager scope = manager.newSubManager()) {
      return infer(one, scope).head();
    }
  }

  @Benchmark
  public NDArray throughputBatch64() {
    try (NDManager scope = manager.newSubManager()) {
      return infer(batch, scope).head();
    }
  }

  @Benchmark
  public float trainStepBatch64() {
    try (NDManager scope = trainer.getManager().newSubManager()) {
      trainInput.tempAttach(scope);
      trainLabels.tempAttach(scope);
      float loss;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDList predictions = trainer.forward(trainInput);
        NDArray value = trainer.getLoss().evaluate(trainLabels, predictions);
        collector.backward(value);
        loss = value.getFloat();
      }
      trainer.step();
      return loss;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    trainer.close();
    trainingModel.close();
    inferenceModel.close();
    manager.close();
  }
}
