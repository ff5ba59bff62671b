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
    this.inputGradientWanted = wanted;
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
    for (float[] g : gradients) {
      java.util.Arrays.fill(g, 0f);
    }
  }

  /** The random generator of this workspace, for dropout masks; its state can be saved and restored. */
  public Rng rng() {
    return rng;
  }
}
