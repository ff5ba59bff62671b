package dev.kiln.runtime;

import dev.kiln.runtime.layer.Layer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of every generated network: its layers, its named tensors, and the checked entry points for forward and
 * backward passes. The generated subclass supplies the passes themselves, with every loop bound fixed.
 *
 * <p>Threading: parameters are shared; everything a pass writes lives in the {@link Workspace} passed in. Any number
 * of threads may run inference at once, each with its own workspace, and get bit-identical results. Training mode
 * and parameter updates are not meant to race with passes.
 *
 * <p>Modes: a new model is in inference mode. {@link #train()} switches the layers whose training differs (batch
 * norm, dropout, randomized ReLU, stochastic pooling) to their training behaviour until {@link #eval()}; a workspace
 * remembers the mode of its last forward pass, and backward follows it. Training is single-writer: a training-mode
 * forward pass of a batch norm updates the model's shared running statistics (its buffers) in place, so run one
 * training forward pass at a time; data-parallel workers that share a model must not run training-mode forward
 * passes of a network with batch norm concurrently.
 */
public abstract class Model {
  private final String name;
  private final Shape inputShape;
  private final Shape outputShape;
  private final long seed;
  private final List<Layer> layers;
  private final List<Parameter> state;
  private final List<Parameter> parameters;
  private final Map<String, Parameter> byName;
  private volatile boolean training;

  /**
   * @param layers in forward order; their parameters, in this order, are the model's state
   */
  protected Model(String name, Shape inputShape, Shape outputShape, long seed, List<Layer> layers) {
    this.name = name;
    this.inputShape = inputShape;
    this.outputShape = outputShape;
    this.seed = seed;
    this.layers = List.copyOf(layers);
    List<Parameter> all = new ArrayList<>();
    Map<String, Parameter> names = new LinkedHashMap<>();
    for (Layer layer : layers) {
      for (Parameter p : layer.parameters()) {
        all.add(p);
        if (names.put(p.name(), p) != null) {
          throw new IllegalStateException("two tensors named " + p.name());
        }
      }
    }
    this.state = Collections.unmodifiableList(all);
    this.parameters = all.stream().filter(Parameter::isTrainable).toList();
    this.byName = Collections.unmodifiableMap(names);
    initialize(seed);
  }

  /** The network's name: its interface's simple name. */
  public String name() {
    return name;
  }

  public Shape inputShape() {
    return inputShape;
  }

  public Shape outputShape() {
    return outputShape;
  }

  /** The seed the weights were first drawn from (the {@code @Network} seed). */
  public long seed() {
    return seed;
  }

  public List<Layer> layers() {
    return layers;
  }

  /** Every named tensor, learnable or not, in PyTorch's state_dict order. */
  public List<Parameter> state() {
    return state;
  }

  /** The learnable tensors, in state order; optimizers step these. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /** The tensor with PyTorch's name {@code name} ({@code conv1.weight}). */
  public Parameter parameter(String name) {
    Parameter p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no tensor named '" + name + "'; this model has " + byName.keySet());
    }
    return p;
  }

  /** Draws fresh weights from {@code seed} with each layer's initializer; biases 0, scales 1, buffers reset. */
  public void initialize(long seed) {
    Rng rng = new Rng(seed);
    for (Parameter p : state) {
      p.reset(rng);
    }
  }

  public boolean isTraining() {
    return training;
  }

  /** Training mode: batch statistics, dropout masks. Returns this. */
  public Model train() {
    training = true;
    return this;
  }

  /** Inference mode (the default): running statistics, no dropout. Returns this. */
  public Model eval() {
    training = false;
    return this;
  }

  /** Zeroes the model's own parameter gradients. */
  public void zeroGrad() {
    // An indexed loop: a for-each allocates an iterator until the JIT removes it, thousands of steps later.
    for (int i = 0; i < parameters.size(); i++) {
      parameters.get(i).zeroGrad();
    }
  }

  /** A workspace for up to {@code maxBatch} samples that accumulates into the model's gradients. */
  public Workspace newWorkspace(int maxBatch) {
    return createWorkspace(maxBatch, false);
  }

  /** A workspace with its own gradient arrays, for one thread of data-parallel training. */
  public Workspace newPrivateWorkspace(int maxBatch) {
    return createWorkspace(maxBatch, true);
  }

  /**
   * Runs the network on {@code batch} samples of {@code input} (batch-major, NCHW) in the current mode.
   *
   * @return the workspace's output array; the first {@code batch * outputShape().size()} values are valid until the
   *     next pass with this workspace
   */
  public final float[] forward(Workspace ws, float[] input, int batch) {
    if (batch < 1 || batch > ws.maxBatch()) {
      throw new IllegalArgumentException("batch " + batch + " outside 1.." + ws.maxBatch() + " of this workspace");
    }
    long needed = (long) batch * inputShape.size();
    if (input.length < needed) {
      throw new IllegalArgumentException(
          "input holds " + input.length + " values; batch " + batch + " of " + inputShape + " needs " + needed);
    }
    if (ws.firstLayerSplitGradients() != null || ws.firstLayerSplitOutputs() != null) {
      checkSplitRows(ws, batch);
    }
    if (ws.convolutionsDone() > 0) {
      checkConvolutionsDone(ws);
    }
    ws.forwardDone = false;
    ws.input = input;
    ws.batch = batch;
    forwardPass(ws, input, batch, training);
    ws.forwardDone = true;
    return ws.output();
  }

  /**
   * Backpropagates {@code gradOutput} (the loss gradient for the last forward's output) through the network: adds
   * every parameter's gradient into the workspace's gradient arrays and returns the gradient for the input, or null
   * when the workspace was told not to compute it ({@link Workspace#setInputGradientWanted}).
   */
  public final float[] backward(Workspace ws, float[] gradOutput) {
    if (!ws.forwardDone) {
      throw new IllegalStateException("backward needs a completed forward pass on this workspace");
    }
    long needed = (long) ws.batch * outputShape.size();
    if (gradOutput.length < needed) {
      throw new IllegalArgumentException(
          "gradOutput holds " + gradOutput.length + " values; batch " + ws.batch + " needs " + needed);
    }
    backwardPass(ws, gradOutput, ws.batch);
    return ws.inputGradientWanted() ? ws.inputGradient() : null;
  }

  /** Convenience for one-off use: runs inference on a fresh workspace and returns a copy of the output. */
  public float[] predict(float[] input, int batch) {
    Workspace ws = newWorkspace(batch);
    float[] out = forward(ws, input, batch);
    return java.util.Arrays.copyOf(out, batch * outputShape.size());
  }

  /** A table of the layers: output shape, parameters, multiply-adds, activation memory, receptive field. */
  public String summary() {
    return Summary.of(this);
  }

  /**
   * Remakes part {@code part} of {@code parts} of the weight copies the forward pass derives from the weights (each
   * Dense layer's transposed weight), where the weights have moved since the copies were made. For data-parallel
   * training: after a split optimizer step ({@code Optimizer.stepPart}), each thread calls this with its own part, at
   * the same time, and then one thread calls {@link #finishRepack()}. Without it the next forward pass remakes a
   * stale copy itself, on whichever thread comes first while the others wait: a serial section of every step. The
   * weights must not change between the first part and {@code finishRepack}; every part must have returned before it.
   * A network with no derived copies does nothing.
   */
  public final void repackPart(int part, int parts) {
    if (parts < 1 || part < 0 || part >= parts) {
      throw new IllegalArgumentException("part " + part + " of " + parts);
    }
    repackWeights(part, parts);
  }

  /**
   * The outputs of the network's first layer where data-parallel training may split that layer by outputs across
   * its threads, else 0. Generated networks whose first layer is a dense layer of at least 64 units reading the
   * input (an MLP's first layer, its largest) return its units. Split by samples, every thread would read all of
   * that weight and add to all of its gradient, and the threads would exchange both on every step; split by outputs
   * ({@link #splitForward}, {@link #splitWeightGradient}, {@link Workspace#setFirstLayerSplit}), each thread reads
   * and writes only its own rows. Inference on several threads splits the same layer by its inputs instead for
   * batches too small to share out by samples ({@link #splitForwardInputs}, {@code ParallelInference}).
   */
  public int splitUnits() {
    return 0;
  }

  /**
   * Whether training on {@code threads} threads splits the split layer's forward pass too ({@link #splitForward}), or
   * only its weight gradient, each shard computing the layer's outputs for its own samples. Generated networks split
   * it with the Vector API kernels, whose blocks run as fast over part of a layer's outputs as over all of them, and
   * with the default loops on two threads, where each half runs on a transposed copy of its own with a constant bound
   * (the default loops over an arbitrary part of a row run slower: the MLP's first layer over half its outputs for 64
   * samples took 182 µs against 278 for all of them for 64 and 164 for the whole net's forward pass for 32, scratch
   * harness). Split, each thread reads and writes only its own part of the layer's weight copies: shared, every
   * thread read the whole copy and the threads remade it together every step, each writing a stretch of every row,
   * which on a 2-vCPU host cost the MLP's step about 200 µs of remaking a step against about 70 split (scratch
   * timings, phase by phase).
   */
  public boolean splitsForward(int threads) {
    return false;
  }

  /** The split layer's learnable tensors (weight, then bias if it has one), first in {@link #parameters()}. */
  public int splitParameters() {
    return 0;
  }

  /**
   * A thread's share of the split first layer's forward pass ({@link #splitUnits}): writes outputs {@code
   * from..to-1} (before the layer's activation) of each of {@code batch} samples of {@code input} into {@code
   * outputs}, {@code splitUnits()} floats a sample, leaving the others; reads only the rows {@code from..to-1} of
   * the weight and of its copies, which {@link #repackPart} with the same split remakes. The values are the same
   * bits as the layer's own forward pass gives. {@code scratch}, this thread's workspace, must hold {@code batch}
   * samples.
   */
  public final void splitForward(Workspace scratch, float[] input, int batch, float[] outputs, int from, int to) {
    checkSplit(scratch, input, batch, outputs, from, to);
    long began = LayerTimes.ENABLED ? System.nanoTime() : 0;
    splitForwardPart(scratch, input, batch, outputs, from, to);
    if (LayerTimes.ENABLED) {
      scratch.layerTimes().forward(splitLayerIndex(), began);
    }
  }

  /**
   * A thread's share of the split first layer's forward pass when inference splits it by inputs ({@code
   * ParallelInference}, for batches too small to share out by samples): writes into {@code sums}, {@link
   * #splitUnits()} floats a sample, every output of each of {@code batch} samples of {@code input} summed over the
   * layer's inputs {@code from..to-1} only (the values of the network's input, flattened), plus the layer's bias where
   * {@code addBias} (one share carries it) and from zero otherwise. The shares' sums over ranges that cover the
   * inputs, added together, are the layer's outputs before its activation ({@link Workspace#setFirstLayerOutputs}),
   * rounded differently from the layer's own pass; the one share {@code 0..inputs} with its bias gives the same bits.
   * Each thread reads its own rows of the transposed weight (one row per input). {@code scratch}, this thread's
   * workspace, must hold {@code batch} samples.
   */
  public final void splitForwardInputs(Workspace scratch, float[] input, int batch, float[] sums, int from, int to,
      boolean addBias) {
    checkSplit(scratch, input, batch, sums, 0, splitUnits());
    int inputs = inputShape.size();
    if (from < 0 || from > to || to > inputs) {
      throw new IllegalArgumentException("inputs " + from + ".." + to + " outside 0.." + inputs);
    }
    long began = LayerTimes.ENABLED ? System.nanoTime() : 0;
    splitForwardInputsPart(scratch, input, batch, sums, from, to, addBias);
    if (LayerTimes.ENABLED) {
      scratch.layerTimes().forward(splitLayerIndex(), began);
    }
  }

  /** The generated share of {@link #splitForwardInputs}; arguments are already checked. */
  protected void splitForwardInputsPart(Workspace scratch, float[] input, int batch, float[] sums, int from, int to,
      boolean addBias) {
    throw new UnsupportedOperationException(name + "'s first layer cannot be split");
  }

  /**
   * A thread's share of the split first layer's weight gradient: sets rows {@code from..to-1} of the layer's weight
   * gradient (and those entries of its bias gradient) in the model's {@link Parameter#grad()} arrays to the sum
   * over {@code batch} samples of {@code input} and of the layer's output gradients in {@code gradients} (laid out
   * as in {@link #splitForward}); the other rows are left as they are. The same bits as the layer's own backward pass
   * adds to zeroed gradients.
   */
  public final void splitWeightGradient(Workspace scratch, float[] input, float[] gradients, int batch, int from,
      int to) {
    checkSplit(scratch, input, batch, gradients, from, to);
    long began = LayerTimes.ENABLED ? System.nanoTime() : 0;
    float[] gw = parameters.get(0).grad();
    float[] gb = splitParameters() > 1 ? parameters.get(1).grad() : null;
    int in = inputShape.size();
    java.util.Arrays.fill(gw, from * in, to * in, 0f);
    if (gb != null) {
      java.util.Arrays.fill(gb, from, to, 0f);
    }
    splitWeightGradientPart(scratch, input, gradients, batch, gw, gb, from, to);
    if (LayerTimes.ENABLED) {
      scratch.layerTimes().backward(splitLayerIndex(), began);
    }
  }

  /** The index in {@link #layers()} of the layer training can split: the first with parameters (its weight first). */
  private int splitLayerIndex() {
    int i = 0;
    while (layers.get(i).parameters().isEmpty()) {
      i++;
    }
    return i;
  }

  /**
   * A workspace's split ({@link Workspace#setFirstLayerSplit}, {@link Workspace#setFirstLayerOutputs}) fits this
   * model and holds its {@code batch} rows.
   */
  private void checkSplitRows(Workspace ws, int batch) {
    if (splitUnits() == 0) {
      throw new UnsupportedOperationException(name + "'s first layer cannot be split");
    }
    long end = ((long) ws.firstLayerSplitSample() + batch) * splitUnits();
    float[] outputs = ws.firstLayerSplitOutputs();
    float[] gradients = ws.firstLayerSplitGradients();
    if ((gradients != null && gradients.length < end) || (outputs != null && outputs.length < end)) {
      throw new IllegalArgumentException("the workspace's first-layer split holds fewer than "
          + (ws.firstLayerSplitSample() + batch) + " samples");
    }
  }

  private void checkSplit(Workspace scratch, float[] input, int batch, float[] rows, int from, int to) {
    int units = splitUnits();
    if (units == 0) {
      throw new UnsupportedOperationException(name + "'s first layer cannot be split");
    }
    if (from < 0 || from > to || to > units) {
      throw new IllegalArgumentException("outputs " + from + ".." + to + " outside 0.." + units);
    }
    if (batch < 1 || batch > scratch.maxBatch()) {
      throw new IllegalArgumentException("batch " + batch + " outside 1.." + scratch.maxBatch());
    }
    if (input.length < (long) batch * inputShape.size() || rows.length < (long) batch * units) {
      throw new IllegalArgumentException("arrays too short for a batch of " + batch);
    }
  }

  /** The generated share of {@link #splitForward}; arguments are already checked. */
  protected void splitForwardPart(Workspace scratch, float[] input, int batch, float[] outputs, int from, int to) {
    throw new UnsupportedOperationException(name + "'s first layer cannot be split by outputs");
  }

  /** The generated share of {@link #splitWeightGradient}, adding to {@code gw} and {@code gb} (null for no bias). */
  protected void splitWeightGradientPart(Workspace scratch, float[] input, float[] gradients, int batch, float[] gw,
      float[] gb, int from, int to) {
    throw new UnsupportedOperationException(name + "'s first layer cannot be split by outputs");
  }

  /**
   * The network's leading convolutions that inference on several threads can share out ({@link
   * #splitForwardConvolution}, {@code ParallelInference}), else 0. Generated networks count the convolutions from the
   * first layer on, each reading the one before's result (with the 2x2 max pool its kernel takes, if any) and with no
   * activation after its kernel, up to the first layer that is not one (LeNet-5: its two convolutions), in a network
   * with no residuals; none while the Vector API kernels are on.
   */
  public int splitConvolutions() {
    return 0;
  }

  /**
   * One thread's share, {@code share} of {@code shares}, of leading convolution {@code index} ({@link
   * #splitConvolutions}) at inference, with its ReLU and the max pool its kernel takes, on each of {@code batch}
   * samples: it reads the convolution's input from {@code shared} (for the first, from {@code input}) and writes its
   * share of the output into {@code shared}, doing its window copies and sums in this thread's own workspace, {@code
   * scratch}. A share is a range of the filters (their output planes, {@code share * filters / shares} on). Threads
   * that run every share of a convolution, once every share of the convolutions before has finished, leave in {@code
   * shared} the same bits as the unsplit pass (each filter's sums are the same products in the same order); then
   * {@link Workspace#setConvolutionsDone} lets a forward pass on {@code shared} run the rest of the network. The model
   * must be in inference mode, and both workspaces must hold {@code batch} samples.
   */
  public final void splitForwardConvolution(Workspace scratch, Workspace shared, float[] input, int batch, int index,
      int share, int shares) {
    if (training) {
      throw new IllegalStateException("splitting a convolution needs inference mode: call eval() first");
    }
    if (index < 0 || index >= splitConvolutions()) {
      throw new IllegalArgumentException(
          "convolution " + index + " outside the " + splitConvolutions() + " of " + name + " that can be split");
    }
    if (shares < 1 || share < 0 || share >= shares) {
      throw new IllegalArgumentException("share " + share + " of " + shares);
    }
    if (batch < 1 || batch > scratch.maxBatch() || batch > shared.maxBatch()) {
      throw new IllegalArgumentException("batch " + batch + " outside 1.." + Math.min(scratch.maxBatch(),
          shared.maxBatch()) + " of the workspaces");
    }
    if (input.length < (long) batch * inputShape.size()) {
      throw new IllegalArgumentException("input too short for a batch of " + batch);
    }
    long began = LayerTimes.ENABLED ? System.nanoTime() : 0;
    splitForwardConvolutionPart(scratch, shared, input, batch, index, share, shares);
    if (LayerTimes.ENABLED) {
      scratch.layerTimes().forward(convolutionLayerIndex(index), began);
    }
  }

  /** The index in {@link #layers()} of convolution {@code index}, counting the network's convolutions from 0. */
  private int convolutionLayerIndex(int index) {
    int seen = -1;
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i) instanceof dev.kiln.runtime.layer.ConvLayer && ++seen == index) {
        return i;
      }
    }
    throw new IllegalStateException(name + " has no convolution " + index);
  }

  /** The generated share of {@link #splitForwardConvolution}; arguments are already checked. */
  protected void splitForwardConvolutionPart(Workspace scratch, Workspace shared, float[] input, int batch,
      int index, int share, int shares) {
    throw new UnsupportedOperationException(name + " has no convolution that can be split");
  }

  /** A workspace whose leading convolutions the threads ran ({@link Workspace#setConvolutionsDone}) fits this pass. */
  private void checkConvolutionsDone(Workspace ws) {
    if (training) {
      throw new IllegalStateException("convolutions run by other threads serve inference only: call eval() first");
    }
    if (ws.convolutionsDone() > splitConvolutions()) {
      throw new IllegalArgumentException("the workspace has " + ws.convolutionsDone() + " convolutions done; "
          + name + " can split " + splitConvolutions());
    }
  }

  /** Marks the copies {@link #repackPart} remade as current with the weights' versions. */
  public final void finishRepack() {
    markRepacked();
  }

  /**
   * The generated share of {@link #repackPart}: remakes, in each stale copy, what comes from the weight's rows {@code
   * [n * part / parts, n * (part + 1) / parts)} of its {@code n} rows (a Dense weight's transpose: one row per input,
   * one column per weight row). Those are the rows that part {@code part} of a split optimizer step has just
   * updated, so each thread reads only weights it wrote itself (see {@code Packing.transposeRows}).
   */
  protected void repackWeights(int part, int parts) {}

  /** The generated share of {@link #finishRepack}: records the weights' versions on the copies remade. */
  protected void markRepacked() {}

  protected abstract Workspace createWorkspace(int maxBatch, boolean privateGradients);

  /** The generated forward pass; arguments are already checked. */
  protected abstract void forwardPass(Workspace ws, float[] input, int batch, boolean training);

  /** The generated backward pass; arguments are already checked. */
  protected abstract void backwardPass(Workspace ws, float[] gradOutput, int batch);

  @Override
  public String toString() {
    return name + "(" + inputShape + " -> " + outputShape + ", " + parameterCount() + " parameters)";
  }

  /** Number of learnable scalars. */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters) {
      n += p.size();
    }
    return n;
  }
}
