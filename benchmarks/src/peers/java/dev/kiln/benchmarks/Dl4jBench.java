package dev.kiln.benchmarks;

import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deeplearning4j ({@code deeplearning4j-nn} on ND4J's CPU backend with OpenBLAS), the nets built with its
 * configuration API. "threads" sets {@code OMP_NUM_THREADS} and {@code OPENBLAS_NUM_THREADS} before the native
 * libraries load, and ND4J's OpenMP, master and BLAS thread counts; one caller. Workspaces are on for training and
 * inference (DL4J's allocation-reuse mode).
 *
 * <p>DL4J's output layer carries the loss, so its inference includes the softmax (10 values a sample, negligible) and
 * its training step is {@code fit(DataSet)}: forward, softmax cross-entropy, backward and an Adam (lr 1e-3) update.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class Dl4jBench {
  @Param({"mlp", "lenet5"})
  public String net;

  @Param({"1", "2"})
  public int threads;

  private MultiLayerNetwork model;
  private INDArray one;
  private INDArray batch;
  private DataSet trainBatch;

  @Setup(Level.Trial)
  public void setUp() {
    // ND4J's thread setters below do not bound every OpenMP region of libnd4j: without OMP_NUM_THREADS, set before
    // libgomp loads, the OpenMP pool has one thread per core whatever "threads" says. Each JMH fork is a new process.
    NativeEnv.set("OMP_NUM_THREADS", Integer.toString(threads));
    NativeEnv.set("OPENBLAS_NUM_THREADS", Integer.toString(threads));
    Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.factory().blas().setMaxThreads(threads);

    boolean lenet = Inputs.isLeNet5(net);
    model = new MultiLayerNetwork(lenet ? lenet5() : mlp());
    model.init();
    one = input(1, lenet);
    batch = input(64, lenet);
    float[] y = Inputs.oneHot(Inputs.labels(64));
    trainBatch = new DataSet(batch, Nd4j.create(y, new long[] {64, Inputs.CLASSES}));
    if (Float.isNaN(model.output(batch, false).getFloat(0))) {
      throw new IllegalStateException("DL4J produced NaN");
    }
  }

  private static INDArray input(int n, boolean image) {
    float[] x = Inputs.pixels(n);
    return image ? Nd4j.create(x, new long[] {n, 1, 28, 28}) : Nd4j.create(x, new long[] {n, Inputs.IMAGE});
  }

  private static NeuralNetConfiguration.ListBuilder common() {
    return new NeuralNetConfiguration.Builder()
        .seed(1)
        .dataType(DataType.FLOAT)
        .updater(new Adam(1e-3))
        .weightInit(WeightInit.RELU)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .list();
  }

  /** conv1 6@5x5 pad 2 relu, maxpool 2, conv2 16@5x5 relu, maxpool 2, fc1 120 relu, fc2 84 relu, fc3 10. */
  static MultiLayerConfiguration lenet5() {
    return common()
        .layer(new ConvolutionLayer.Builder(5, 5).nOut(6).padding(2, 2).activation(Activation.RELU).build())
        .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
        .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
        .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
        .layer(new DenseLayer.Builder().nOut(120).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nOut(84).activation(Activation.RELU).build())
        .layer(
            new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(Inputs.CLASSES)
                .activation(Activation.SOFTMAX)
                .build())
        .setInputType(InputType.convolutional(28, 28, 1))
        .build();
  }

  /** flatten, fc1 256 relu, fc2 128 relu, fc3 10. */
  static MultiLayerConfiguration mlp() {
    return common()
        .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
        .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
        .layer(
            new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(Inputs.CLASSES)
                .activation(Activation.SOFTMAX)
                .build())
        .setInputType(InputType.feedForward(Inputs.IMAGE))
        .build();
  }

  @Benchmark
  public INDArray latencyBatch1() {
    return model.output(one, false);
  }

  @Benchmark
  public INDArray throughputBatch64() {
    return model.output(batch, false);
  }

  @Benchmark
  public double trainStepBatch64() {
    model.fit(trainBatch);
    return model.score();
  }
}
