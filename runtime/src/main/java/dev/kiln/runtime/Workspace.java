package dev.kiln.runtime;

/**
 * Everything one caller's passes write: activations, their gradients and scratch, preallocated for at most
 * {@link #maxBatch()} samples so that forward and backward allocate nothing. Weights are shared by all callers;
 * giving each thread its own workspace is what makes concurrent inference safe. Each generated network subclasses
 * this with one named array per buffer its plan needs.
 *
 * <p>By default a backward pass accumulates parameter gradients into the model's own {@link Parameter#grad()} arrays;
 * a workspace made with private gradients (for data-parallel training) accumulates into its own copies instead.
 */
public abstract class Workspace {
  private final int maxBatch;
  /** Per trainable parameter, in {@link Model#parameters()} order: where backward adds its gradient. */
  protected final float[][] gradients;
  /** Drives dropout masks and other random draws of this caller, so a seed reproduces a run. */
  protected final Rng rng;

  int batch;
  float[] input;
  private boolean inputGradientWanted = true;
  boolean forwardDone;
  /** Where training has split the first layer by outputs (see {@link #setFirstLayerSplit}); null otherwise. */
  private float[] splitOutputs;
  private float[] splitGradients;
  private int splitSample;
  /** Leading convolutions other threads have run into this workspace (see {@link #setConvolutionsDone}). */
  private int convolutionsDone;
  /** Where this workspace's passes spent their time; null unless {@link LayerTimes#ENABLED}. */
  private final LayerTimes layerTimes;

  protected Workspace(Model model, int maxBatch, boolean privateGradients) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1: " + maxBatch);
    }
    this.maxBatch = maxBatch;
    var params = model.parameters();
    this.gradients = new float[params.size()][];
    for (int i = 0; i < gradients.length; i++) {
      float[] shared = params.get(i).grad();
      gradients[i] = privateGradients ? new float[shared.length] : shared;
    }
    this.rng = new Rng(model.seed() ^ 0x5DEECE66DL);
    this.layerTimes = LayerTimes.ENABLED ? new LayerTimes(model.layers().size()) : null;
  }

  /**
   * Where the passes run on this workspace spent their time, layer by layer, where the JVM was started with {@code
   * -Dkiln.profile=true} ({@link LayerTimes#ENABLED}); null otherwise.
   */
  public final LayerTimes layerTimes() {
    return layerTimes;
  }

  public int maxBatch() {
    return maxBatch;
  }

  /** The batch size of the last forward pass. */
  public int batch() {
    return batch;
  }

  /** The input array of the last forward pass (the caller's, not a copy); backward reads it. */
  public float[] input() {
    return input;
  }

  /** The output of the last forward pass: {@code batch * outputSize} values, batch-major. */
  public abstract float[] output();

  /**
   * The gradient of the loss with respect to the network's input after the last backward pass, so networks and
   * layers compose.
   */
  public abstract float[] inputGradient();

  /**
   * Whether backward computes the gradient for the network's input. Training does not need it, and for a first
   * Dense or Conv layer it costs as much as the layer's weight gradient; a trainer turns it off.
   */
  public void setInputGradientWanted(boolean wanted) {
    if (wanted && splitGradients != null) {
      throw new IllegalStateException("a workspace whose first layer is split computes no input gradient");
    }
    this.inputGradientWanted = wanted;
  }

  /**
   * For a trainer that splits the network's first layer by outputs across its threads ({@link Model#splitUnits}):
   * the following passes on this workspace, one shard of a batch, take that layer's outputs from its rows of {@code
   * outputs} (every thread computed its share of them for the whole batch, {@link Model#splitForward}) instead of
   * computing them (unless {@code outputs} is null: see {@link Model#splitsForward}), and leave the layer's output
   * gradient in its rows of {@code gradients} instead of adding the layer's weight gradient (every thread then adds
   * its share, {@link Model#splitWeightGradient}). Both are laid out batch-major for the whole batch, {@code
   * Model.splitUnits()} floats a sample, and this shard's rows start at sample {@code firstSample}; a forward pass
   * checks that they fit. Training only: the input gradient must be off ({@link #setInputGradientWanted}), since the
   * split layer's backward pass does not compute it.
   */
  public void setFirstLayerSplit(float[] outputs, float[] gradients, int firstSample) {
    if (gradients == null) {
      throw new NullPointerException("a first-layer split needs the gradients' array");
    }
    if (inputGradientWanted) {
      throw new IllegalStateException("turn the input gradient off before splitting the first layer");
    }
    setSplit(outputs, gradients, firstSample);
  }

  /**
   * For inference that splits the network's first layer across threads ({@code ParallelInference}): the following
   * forward passes on this workspace take that layer's outputs, before its activation, from rows {@code firstSample}
   * on of {@code outputs} ({@link Model#splitUnits()} floats a sample, batch-major) instead of computing them. Unlike
   * {@link #setFirstLayerSplit}, backward passes are unchanged: they compute the layer's gradients from the input as
   * usual. A forward pass checks that the rows fit; {@link #clearFirstLayerSplit} ends it.
   */
  public void setFirstLayerOutputs(float[] outputs, int firstSample) {
    if (outputs == null) {
      throw new NullPointerException("the first layer's outputs are missing");
    }
    setSplit(outputs, null, firstSample);
  }

  private void setSplit(float[] outputs, float[] gradients, int firstSample) {
    if (firstSample < 0) {
      throw new IllegalArgumentException("firstSample must not be negative: " + firstSample);
    }
    this.splitOutputs = outputs;
    this.splitGradients = gradients;
    this.splitSample = firstSample;
  }

  /** Whether training's first-layer split is set ({@link #setFirstLayerSplit}; not {@link #setFirstLayerOutputs}). */
  public boolean firstLayerSplit() {
    return splitGradients != null;
  }

  /**
   * Ends {@link #setFirstLayerSplit} or {@link #setFirstLayerOutputs}: the passes compute the first layer themselves
   * again.
   */
  public void clearFirstLayerSplit() {
    this.splitOutputs = null;
    this.splitGradients = null;
    this.splitSample = 0;
  }

  /**
   * The first layer's outputs given by {@link #setFirstLayerOutputs}, or for the whole batch under training's split
   * ({@link #setFirstLayerSplit}); else null (also under a training split whose forward pass is not split).
   */
  public float[] firstLayerSplitOutputs() {
    return splitOutputs;
  }

  /** Where this shard's first-layer output gradient goes under a split, else null. */
  public float[] firstLayerSplitGradients() {
    return splitGradients;
  }

  /** The batch's sample this shard's rows start at, under a split. */
  public int firstLayerSplitSample() {
    return splitSample;
  }

  /**
   * For inference that shares the network's leading convolutions out among threads ({@code ParallelInference},
   * {@link Model#splitForwardConvolution}): the following forward passes on this workspace take the
   * outputs of the first {@code count} of those convolutions (and of the max pools their kernels take) as already in
   * this workspace's buffers, written there by the threads, and run only the layers after them. Inference only: a
   * forward pass in training mode refuses it. {@link #clearConvolutionsDone} ends it.
   */
  public void setConvolutionsDone(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    this.convolutionsDone = count;
  }

  /** The leading convolutions a forward pass on this workspace skips ({@link #setConvolutionsDone}); usually 0. */
  public int convolutionsDone() {
    return convolutionsDone;
  }

  /** Ends {@link #setConvolutionsDone}: the forward passes run every layer again. */
  public void clearConvolutionsDone() {
    this.convolutionsDone = 0;
  }

  public boolean inputGradientWanted() {
    return inputGradientWanted;
  }

  /** The gradient arrays this workspace's backward passes add to, in {@link Model#parameters()} order. */
  public float[][] gradients() {
    return gradients;
  }

  /** Zeroes this workspace's gradients (the model's, unless they are private). */
  public void zeroGradients() {
    zeroGradients(0);
  }

  /**
   * Zeroes this workspace's gradients of the parameters from index {@code first} on, in {@link Model#parameters()}
   * order: a trainer that splits the first layer leaves that layer's gradients to the threads that own their rows.
   */
  public void zeroGradients(int first) {
    for (int i = first; i < gradients.length; i++) {
      java.util.Arrays.fill(gradients[i], 0f);
    }
  }

  /** The random generator of this workspace, for dropout masks; its state can be saved and restored. */
  public Rng rng() {
    return rng;
  }
}
