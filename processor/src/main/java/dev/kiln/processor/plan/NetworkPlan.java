package dev.kiln.processor.plan;

import dev.kiln.processor.model.BatchNormModel;
import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.ConvTransposeModel;
import dev.kiln.processor.model.DenseModel;
import dev.kiln.processor.model.DropoutModel;
import dev.kiln.processor.model.FlattenModel;
import dev.kiln.processor.model.FusedActivation;
import dev.kiln.processor.model.LayerModel;
import dev.kiln.processor.model.NetworkModel;
import dev.kiln.processor.model.NormModel;
import dev.kiln.processor.model.PReluModel;
import dev.kiln.processor.model.PoolModel;
import dev.kiln.processor.model.RReluModel;
import dev.kiln.processor.model.Residual;
import dev.kiln.processor.model.Window;
import dev.kiln.annotations.Activation;
import dev.kiln.annotations.PoolMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The buffers and costs of a whole network, layer by layer in forward order. {@code floatBuffers} and
 * {@code intBuffers} hold values per sample (the workspace multiplies them by its maximum batch);
 * {@code fixedFloatBuffers} do not grow with the batch (a batch norm's per-channel statistics), nor do
 * {@code fixedMatrices}, {@code float[rows][columns]} scratch whose rows the kernels index from 0 (so that C2 can
 * vectorise loops over them: a convolution's im2col columns, accumulator rows); a row count of -1 there means one
 * row per sample of the workspace's maximum batch. {@code fixedIntBuffers} are integer scratch of a fixed size (a
 * convolution's list of non-zero output gradients).
 */
public record NetworkPlan(NetworkModel network, List<LayerPlan> layers, Map<String, Integer> floatBuffers,
    Map<String, Integer> intBuffers, Map<String, Integer> fixedFloatBuffers, Map<String, List<Integer>> fixedMatrices,
    Map<String, Integer> fixedIntBuffers) {
  /**
   * The index from which the default build's aligned dense loops keep every row they read and write: 4 bytes before
   * a cache line's end in an array at the start of a G1 heap region ({@code
   * dev.kiln.runtime.kernel.AlignedArena.FIRST}, which the processor does not link against; {@code AlignedLoopsTest}
   * checks the two agree).
   */
  public static final int ALIGNED_ROW_START = 11;

  /**
   * The bound of an aligned loop over rows of {@code length} floats: the least from {@code length} up that is one
   * more than a multiple of 16, so that after the one scalar iteration of C2's pre-loop its vectors (16 or 8 floats)
   * leave nothing to a scalar post-loop.
   */
  public static int alignedBound(int length) {
    return length + Math.floorMod(1 - length, 16);
  }

  /**
   * Floats a row needs to hold {@code length} floats from {@link #ALIGNED_ROW_START} and the padding an aligned loop
   * runs over after them, to its {@link #alignedBound}.
   */
  public static int alignedRowFloats(int length) {
    return ALIGNED_ROW_START + alignedBound(length);
  }

  public NetworkPlan {
    layers = List.copyOf(layers);
    floatBuffers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(floatBuffers));
    intBuffers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(intBuffers));
    fixedFloatBuffers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fixedFloatBuffers));
    fixedMatrices = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fixedMatrices));
    fixedIntBuffers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fixedIntBuffers));
  }

  /**
   * Plans {@code network}: one output and one gradient buffer per layer, shared where a layer is a pure view, plus
   * what each layer keeps for its backward pass (pre-activations, pool positions, masks, statistics) and, for a
   * layer with a residual, the buffer of its sum.
   */
  public static NetworkPlan of(NetworkModel network) {
    Map<String, Integer> floats = new LinkedHashMap<>();
    Map<String, Integer> ints = new LinkedHashMap<>();
    Map<String, Integer> fixed = new LinkedHashMap<>();
    Map<String, List<Integer>> matrices = new LinkedHashMap<>();
    Map<String, Integer> fixedInts = new LinkedHashMap<>();
    floats.put(LayerPlan.INPUT_GRAD, network.input().size());
    List<LayerPlan> plans = new ArrayList<>();
    Map<String, LayerPlan> byName = new HashMap<>();
    String in = LayerPlan.INPUT;
    String inGrad = LayerPlan.INPUT_GRAD;
    int rf = 1;
    int jump = 1;
    for (LayerModel layer : network.layers()) {
      String out;
      String outGrad;
      String pre = null;
      String argmax = null;
      String noise = null;
      String mean = null;
      String invStd = null;
      Optional<Residual> residual = network.residualOf(layer.name());
      if (layer instanceof FlattenModel && residual.isEmpty()
          && (!in.equals(LayerPlan.INPUT) || aliasesInput(network, layer))) {
        out = in;
        outGrad = inGrad;
      } else {
        out = layer.name() + "Out";
        outGrad = layer.name() + "Grad";
        floats.put(out, layer.output().size());
        floats.put(outGrad, layer.output().size());
      }
      if (hasFusedActivation(layer) && !activationInKernel(layer, residual.isPresent())) {
        pre = layer.name() + "Pre";
        floats.put(pre, layer.output().size());
      }
      if (layer instanceof PoolModel p && p.mode() != PoolMode.AVG) {
        argmax = layer.name() + (p.mode() == PoolMode.MAX ? "Argmax" : "Pick");
        ints.put(argmax, layer.output().size());
      }
      if (layer instanceof DenseModel d) {
        // An accumulator row per sample for the forward pass; for backward per-sample rows of the input and the
        // weight's rows (the sums themselves go through the workspace's aligned arena, which NetworkGenerator sizes);
        // the list of one sample's non-zero inputs (forward) or
        // outputs (backward) and of the samples with a non-zero gradient for one output (backward): see DenseCode.
        // A row count of -1 means the workspace's maximum batch.
        // (Past the units, room for a share of outputs, which keeps its sums from ALIGNED_ROW_START.)
        matrices.put(layer.name() + "OutRows", List.of(-1, ALIGNED_ROW_START + d.units()));
        // (The rows the aligned loops read hold their data from ALIGNED_ROW_START, padded to alignedRowFloats; the
        // scratch rows the backward pass sums into are the workspace's aligned arena.)
        matrices.put(layer.name() + "InputRows", List.of(-1, alignedRowFloats(d.inFeatures())));
        matrices.put(layer.name() + "WeightRows", List.of(d.units(), alignedRowFloats(d.inFeatures())));
        fixedInts.put(layer.name() + "Nonzero", Math.max(d.inFeatures(), d.units()));
        if (!d.outputsAsFilters().isEmpty()) {
          // A chunk of samples' inputs as column rows, one per input (DenseModel.outputsAsFilters).
          matrices.put(layer.name() + "Columns",
              List.of(d.inFeatures(), alignedRowFloats(DenseModel.SAMPLES_PER_CHUNK)));
        }
        ints.put(layer.name() + "Active", 1);
      }
      if (layer instanceof ConvModel c) {
        // A few samples' input windows (one group) as im2col columns (forward), one sample's as im2row rows
        // (backward), the rows' gradient, a zero-bordered copy of the input and of its gradient when padded, a
        // block of filters' accumulator rows, weight
        // and weight-gradient rows, and the list of non-zero output gradients: see ConvCode.
        int positions = c.positions();
        int taps = ConvModel.rowLength(c);
        fixed.put(layer.name() + "Padded", c.paddedCopySize());
        fixed.put(layer.name() + "PaddedGrad", c.paddedCopySize());
        fixedInts.put(layer.name() + "Nonzero", positions);
        // One sample's listed output gradients by position (a group's filters each) and one position's filters
        // with a gradient: the input gradient's passes (see ConvCode.backwardMethod).
        fixed.put(layer.name() + "PositionGrad", positions * c.filtersPerGroup());
        fixedInts.put(layer.name() + "Filters", c.filtersPerGroup());
        // The forward pass's columns and sums hold their data from ALIGNED_ROW_START (0 with the Vector API
        // kernels), padded to alignedRowFloats: a whole group of samples' columns are read by aligned loops that
        // sum into the workspace's arena (see ConvCode.forwardMethod).
        // (Shared rows, ConvModel.sharedRowColumns, run past the last sample's columns: sharedRowSlack.)
        matrices.put(layer.name() + "Columns",
            List.of(taps, alignedRowFloats(c.samplesPerPass() * positions) + c.sharedRowSlack()));
        matrices.put(layer.name() + "Sums", List.of(c.filtersPerPass(), alignedRowFloats(c.samplesPerPass() * positions)));
        // (No rows when the weight gradient is summed straight from the source: nothing else reads them.)
        matrices.put(layer.name() + "Rows", List.of(c.directWeightGradient() ? 0 : positions, taps));
        // A row gradient per position for row2im, or the one row that carries the sum where windows move on by
        // one tap per output column (see ConvCode.inputGradientMethod).
        matrices.put(layer.name() + "RowsGrad", List.of(c.shiftsRows() ? 1 : positions, taps));
        matrices.put(layer.name() + "WeightRows", List.of(c.filters(), taps));
        matrices.put(layer.name() + "WeightGradRows", List.of(c.filters(), taps));
        if (c.directWeightGradient()) {
          // The listed positions' gradients and where their windows start in the source image.
          fixed.put(layer.name() + "Listed", positions);
          fixedInts.put(layer.name() + "Windows", positions);
        }
        if (c.wideGrid()) {
          // The opt-in Vector API backward: one sample's output gradient (a group's filters) on the wide grid,
          // and lane accumulators of the weight gradient (VectorBackend.LANE_SLOTS = 16 per weight).
          fixed.put(layer.name() + "Wide", c.filtersPerGroup() * c.widePositions());
          fixed.put(layer.name() + "Lanes", c.filters() * taps * 16);
        }
      }
      if (layer instanceof DropoutModel d && d.rate() > 0 || layer instanceof RReluModel) {
        noise = layer.name() + "Noise";
        floats.put(noise, layer.output().size());
      }
      if (layer instanceof BatchNormModel b) {
        mean = layer.name() + "Mean";
        invStd = layer.name() + "InvStd";
        fixed.put(mean, b.channels());
        fixed.put(invStd, b.channels());
      } else if (layer instanceof NormModel n) {
        mean = layer.name() + "Mean";
        invStd = layer.name() + "InvStd";
        floats.put(mean, n.groups());
        floats.put(invStd, n.groups());
      }
      LayerPlan.Skip skip = null;
      if (residual.isPresent()) {
        Residual r = residual.get();
        LayerPlan source = r.fromInput() ? null : byName.get(r.from());
        String sum = layer.name() + "Sum";
        floats.put(sum, layer.output().size());
        String saved = null;
        if (hasFusedActivation(layer)) {
          saved = layer.name() + "SumGrad";
          floats.put(saved, layer.output().size());
        }
        skip = new LayerPlan.Skip(r.from(), source == null ? LayerPlan.INPUT : source.result(),
            source == null ? LayerPlan.INPUT_GRAD : source.outputGrad(), sum, saved);
      }
      // Receptive field along the height: grows by (k_eff - 1) input steps of the current jump.
      if (layer instanceof ConvModel c) {
        rf = rf == 0 ? 0 : rf + (c.window().effectiveHeight() - 1) * jump;
        jump *= c.window().sh();
      } else if (layer instanceof PoolModel p) {
        rf = p.global() || rf == 0 ? 0 : rf + (p.window().kh() - 1) * jump;
        jump *= p.window().sh();
      } else if (layer instanceof ConvTransposeModel t) {
        // Each output sees about ceil(k_eff / s) inputs per axis; the approximation keeps the jump.
        int seen = (t.window().effectiveHeight() + t.window().sh() - 1) / t.window().sh();
        rf = rf == 0 ? 0 : rf + (seen - 1) * jump;
      } else if (layer instanceof DenseModel || layer instanceof NormModel) {
        rf = 0; // a dense layer, and statistics over all positions, see the whole input
      }
      LayerPlan plan = new LayerPlan(layer, in, out, pre, inGrad, outGrad, argmax, noise, mean, invStd, skip,
          parameters(layer), multiplyAdds(layer), rf, null, false, false);
      plans.add(plan);
      byName.put(layer.name(), plan);
      in = plan.result();
      inGrad = outGrad;
    }
    for (int i = 0; i + 1 < plans.size(); i++) {
      LayerPlan conv = plans.get(i);
      LayerPlan pool = plans.get(i + 1);
      if (poolInKernel(conv, pool)) {
        boolean backward = poolBackwardInKernel(conv, plans);
        LayerPlan pooled = pool.withPooling(null, true, backward);
        LayerPlan fused = conv.withPooling(pooled, false, backward);
        plans.set(i, fused);
        plans.set(i + 1, pooled);
        if (fused.quadrantOrder()) {
          // The pool's four corners' blocks of one filter and sample, copied into rows of their own, its output and,
          // in training, its winners' offsets (see ConvCode.poolMethod and poolWinnersMethod).
          ConvModel c = (ConvModel) fused.layer();
          // A group of samples side by side within each quadrant (ConvModel.quadrantsHoldGroups) pools in one call.
          int samples = c.quadrantsHoldGroups() ? c.samplesPerPass() : 1;
          matrices.put(c.name() + "Corners", List.of(6, samples * c.positions() / 4));
          // (The tap blocks' buffers, ConvModel.tapBlocks, depend on the workspace's batch: ConvCode.tapBlockBuffers.)
        }
      }
    }
    return new NetworkPlan(network, plans, floats, ints, fixed, matrices, fixedInts);
  }

  /**
   * Layers that apply their activation in place of a separate layer (Dense, Conv, ConvTranspose and the
   * normalisations); they keep the pre-activation values, and their backward changes their output gradient in
   * place, unless their kernels apply the activation themselves ({@link #activationInKernel}).
   */
  public static boolean hasFusedActivation(LayerModel layer) {
    return layer instanceof FusedActivation f && !f.activation().isIdentity();
  }

  /**
   * Whether a layer's kernel applies its activation itself, needing no pre-activation buffer: a ReLU on a
   * convolution without a residual (the ReLU comes after the residual sum otherwise). The forward kernel clamps its
   * accumulator rows before storing them; the backward kernel leaves the positions where the output is zero out
   * of the list of non-zero gradients it makes anyway.
   */
  public static boolean activationInKernel(LayerModel layer, boolean hasResidual) {
    return layer instanceof ConvModel c && c.activation().kind() == Activation.RELU && !hasResidual;
  }

  /**
   * Whether a convolution's forward kernel writes the max pool after it (its output, and in training its winners):
   * a 2x2 window moved by 2 reading the convolution's output, the convolution with no residual and no activation
   * after its kernel (none, or a ReLU in the kernel: the pool then takes the maximum of the clamped values, as the
   * layers as written do). The pool reads the accumulator rows while they are in L1 instead of the stored output
   * from L2 or L3, by the pool's own rules, so its values and winners are the same bits. The kernel still stores the
   * convolution's output outside training (a backward pass after an inference pass finds the winners in it), and in
   * training unless {@link #poolBackwardInKernel} leaves nothing to read it.
   */
  static boolean poolInKernel(LayerPlan conv, LayerPlan pool) {
    return conv.layer() instanceof ConvModel && conv.skip() == null && conv.preActivation() == null
        && pool.layer() instanceof PoolModel p && p.mode() == PoolMode.MAX && !p.global()
        && p.window().isPlainTwoByTwo() && pool.input().equals(conv.output());
  }

  /**
   * Whether the backward kernel of a convolution whose forward kernel writes the max pool after it ({@link
   * #poolInKernel}) also takes that pool's backward: the pool's output gradient is only ever routed to its windows'
   * winners, so the kernel lists the positions whose gradient can be non-zero from the pool's winners (a quarter of
   * the positions for a 2x2 pool) instead of scanning every position of a gradient the pool's backward first
   * zeroed and scattered. Only where nothing else adds into the convolution's output gradient: no residual from
   * the convolution to a later layer.
   */
  static boolean poolBackwardInKernel(LayerPlan conv, List<LayerPlan> plans) {
    return !isResidualSource(conv.layer().name(), plans);
  }

  /** Whether a residual goes from the layer named {@code layer} to one of {@code plans}. */
  private static boolean isResidualSource(String layer, List<LayerPlan> plans) {
    return plans.stream().anyMatch(l -> l.skip() != null && l.skip().from().equals(layer));
  }

  /** Learnable scalars of a layer (buffers such as running statistics do not count). */
  public static long parameters(LayerModel layer) {
    if (layer instanceof DenseModel d) {
      return (long) d.units() * d.inFeatures() + (d.bias() ? d.units() : 0);
    }
    if (layer instanceof ConvModel c) {
      return (long) c.filters() * c.channelsPerGroup() * c.window().kh() * c.window().kw()
          + (c.bias() ? c.filters() : 0);
    }
    if (layer instanceof ConvTransposeModel t) {
      return (long) t.input().channels() * t.filtersPerGroup() * t.window().kh() * t.window().kw()
          + (t.bias() ? t.filters() : 0);
    }
    if (layer instanceof BatchNormModel b) {
      return 2L * b.channels();
    }
    if (layer instanceof NormModel n) {
      return 2L * n.affineSize();
    }
    if (layer instanceof PReluModel p) {
      return p.slopes();
    }
    return 0;
  }

  /** Multiply-adds of one sample's forward pass (normalisation, pooling and activations count as none). */
  public static long multiplyAdds(LayerModel layer) {
    if (layer instanceof DenseModel d) {
      return (long) d.units() * d.inFeatures();
    }
    if (layer instanceof ConvModel c) {
      return (long) c.output().size() * c.channelsPerGroup() * c.window().kh() * c.window().kw();
    }
    if (layer instanceof ConvTransposeModel t) {
      return (long) t.input().size() * t.filtersPerGroup() * t.window().kh() * t.window().kw();
    }
    return 0;
  }

  /**
   * A convolution and the batch norm right after it, which inference runs as one convolution on weights with the
   * batch norm folded in (the runtime's {@code BatchNormFolding}): no separate passes over the activations for the
   * normalisation, and a ReLU on the batch norm applied inside the convolution's kernel.
   */
  public record Fold(LayerPlan conv, LayerPlan norm) {}

  /**
   * The convolutions that fold the batch norm after them: the batch norm reads the convolution's output and nothing
   * else does (no residual from it), and the convolution has no activation or residual of its own that would come
   * between the two.
   */
  public List<Fold> folds() {
    List<Fold> folds = new ArrayList<>();
    for (int i = 0; i + 1 < layers.size(); i++) {
      LayerPlan conv = layers.get(i);
      LayerPlan norm = layers.get(i + 1);
      if (conv.layer() instanceof ConvModel c && c.activation().isIdentity() && conv.skip() == null
          && norm.layer() instanceof BatchNormModel && norm.input().equals(conv.output())
          && !isResidualSource(c.name(), layers)) {
        folds.add(new Fold(conv, norm));
      }
    }
    return folds;
  }

  /**
   * The convolutions that the opt-in Vector API kernels run batch-in-lanes at inference (a group of samples one per
   * vector lane, {@code VectorLanes} in the runtime): the {@link #leadingConvolutions}.
   */
  public List<LayerPlan> laneChain() {
    return leadingConvolutions();
  }

  /**
   * The network's leading convolutions, each with its 2x2 max pool if its kernel writes one ({@link
   * LayerPlan#poolInKernel}), for as long as each reads the one before's result and has no activation after its
   * kernel (none, or a ReLU in the kernel): the layers that inference can run in lanes ({@link #laneChain}) or share
   * out among threads by filters (the runtime's {@code Model.splitForwardConvolution}), since each writes only its own
   * output and its pool's. A network with a residual anywhere has none (in lanes, their intermediate outputs could not
   * be read by a residual), and a convolution that folds a batch norm ends the chain. Empty when the first layer does
   * not qualify.
   */
  public List<LayerPlan> leadingConvolutions() {
    List<LayerPlan> chain = new ArrayList<>();
    if (layers.stream().anyMatch(l -> l.skip() != null)) {
      return chain;
    }
    java.util.Set<LayerPlan> folded = new java.util.HashSet<>();
    for (Fold f : folds()) {
      folded.add(f.conv());
    }
    String reads = LayerPlan.INPUT;
    for (int i = 0; i < layers.size(); i++) {
      LayerPlan l = layers.get(i);
      if (!(l.layer() instanceof ConvModel) || folded.contains(l) || l.preActivation() != null
          || !l.input().equals(reads)) {
        break;
      }
      chain.add(l);
      if (l.poolInKernel() != null) {
        i++; // the pool's own forward is the convolution's
        reads = l.poolInKernel().output();
      } else {
        reads = l.output();
      }
    }
    return chain;
  }

  /**
   * Whether the Vector API kernels run the {@link #laneChain} one sample at a time straight from the image when a
   * sample does not fill a group of lanes (batch 1, a batch's leftover samples; {@code VectorPooledConv} in the
   * runtime): every convolution of the chain has stride 1, no dilation and one group, and its 2x2 max pool in its
   * kernel. Otherwise those samples take the layers' own kernels.
   */
  public boolean laneChainPooled() {
    List<LayerPlan> chain = laneChain();
    if (chain.isEmpty()) {
      return false;
    }
    for (LayerPlan l : chain) {
      ConvModel c = (ConvModel) l.layer();
      Window w = c.window();
      if (l.poolInKernel() == null || c.groups() != 1 || w.sh() != 1 || w.sw() != 1 || w.dh() != 1
          || w.dw() != 1) {
        return false;
      }
    }
    return true;
  }

  public LayerPlan last() {
    return layers.get(layers.size() - 1);
  }

  public long totalParameters() {
    return layers.stream().mapToLong(LayerPlan::parameters).sum();
  }

  public long totalMultiplyAdds() {
    return layers.stream().mapToLong(LayerPlan::multiplyAdds).sum();
  }

  /** Bytes of float32 activations per sample: every layer's own output (flatten shares) and residual sums. */
  public long activationBytes() {
    return 4L * layers.stream()
        .mapToLong(l -> (l.ownsOutput() ? l.layer().output().size() : 0)
            + (l.skip() != null ? l.layer().output().size() : 0))
        .sum();
  }

  /** The layer table printed by the processor's note and kept in the generated Javadoc. */
  public String summaryTable() {
    StringBuilder sb = new StringBuilder();
    String fmt = "%-12s %-34s %-12s %10s %12s %12s %6s%n";
    sb.append(String.format(java.util.Locale.ROOT, fmt, "layer", "type", "output", "params", "mult-adds",
        "act. bytes", "RF"));
    sb.append(String.format(java.util.Locale.ROOT, fmt, "input", "", network.input(), "", "", "", ""));
    for (LayerPlan l : layers) {
      sb.append(String.format(java.util.Locale.ROOT, fmt, l.layer().name(), l.description(), l.layer().output(),
          l.parameters(), l.multiplyAdds(), 4L * l.layer().output().size(),
          l.receptiveField() == 0 ? "all" : l.receptiveField()));
    }
    sb.append(String.format(java.util.Locale.ROOT, fmt, "total", "", network.output(), totalParameters(),
        totalMultiplyAdds(), activationBytes(), ""));
    return sb.toString();
  }

  /**
   * Whether a flatten of the network's input can alias the caller's input array, as flattens of a workspace buffer
   * alias that buffer: when it is not the last layer (whose output the workspace returns) and no residual starts from
   * it. The layer after it then reads the input as written and writes the network's input gradient itself, which a
   * trainer turns off; a flatten with buffers of its own made the dense layer after it compute a gradient for them
   * on every training step (the MLP's first layer: as much work again as its weight gradient).
   */
  private static boolean aliasesInput(NetworkModel network, LayerModel flatten) {
    List<LayerModel> layers = network.layers();
    if (layers.get(layers.size() - 1) == flatten) {
      return false;
    }
    for (LayerModel l : layers) {
      if (network.residualOf(l.name()).map(r -> r.from().equals(flatten.name())).orElse(false)) {
        return false;
      }
    }
    return true;
  }
}
