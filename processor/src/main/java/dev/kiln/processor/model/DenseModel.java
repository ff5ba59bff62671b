package dev.kiln.processor.model;

import dev.kiln.annotations.Init;
import java.util.ArrayList;
import java.util.List;

/** A fully connected layer; a rank-3 input is flattened first, so {@code inFeatures} is its size. */
public record DenseModel(
    String name,
    TensorShape input,
    TensorShape output,
    int units,
    boolean bias,
    ActivationModel activation,
    Init init)
    implements LayerModel, FusedActivation {
  public DenseModel {
    if (output.size() != units || output.isImage()) {
      throw new IllegalArgumentException("dense output must be a vector of units");
    }
  }

  public int inFeatures() {
    return input.size();
  }

  /**
   * Samples a forward pass takes at a time as positions ({@link #outputsAsFilters}): a chunk's inputs laid out as
   * column rows of this many samples, the most a pass's bound ({@code NetworkPlan.alignedBound}) of 81 covers. Over
   * 65 positions (chunks of 64) C2 compiled the passes to 128-bit vectors, over 81 to 256-bit ones: the MLP's last
   * layer at batch 64 took 8.0-8.2 µs in chunks of 80 against 9.2 in chunks of 64 (LayerProfile, AVX2).
   */
  public static final int SAMPLES_PER_CHUNK = 80;

  /**
   * Fewest samples a chunk of {@link #outputsAsFilters} takes; fewer, at the batch's start, take the rows of the
   * transposed weight as wider layers do (a chunk's passes run over all {@link #SAMPLES_PER_CHUNK} positions).
   */
  public static final int MIN_SAMPLES_PER_CHUNK = 16;

  /**
   * The widths of the blocks of outputs the default build's forward pass sums at a time where it treats this layer
   * as a convolution whose positions are the samples (its outputs the filters, its inputs the taps), or an empty list
   * where it does not. A narrow layer (fewer than 32 units, a classifier's last layer) over a batch: updating rows of
   * its few outputs, two vectors or less, the pass is almost all fixed cost (the MLP's ten outputs at batch 64, 20
   * µs for 82,000 multiply-adds), where a pass over a batch's samples as positions keeps the vectors full. Blocks of
   * three and four outputs, the widths the convolutions' passes vectorise on 16 registers, so 3, 4, and 6 to 31
   * units.
   */
  public List<Integer> outputsAsFilters() {
    if (units >= 32 || units < 3 || units == 5) {
      return List.of();
    }
    int fours = units % 3 == 0 ? 0 : units % 3 == 1 ? 1 : 2;
    List<Integer> widths = new ArrayList<>();
    for (int i = 0; i < (units - 4 * fours) / 3; i++) {
      widths.add(3);
    }
    for (int i = 0; i < fours; i++) {
      widths.add(4);
    }
    return List.copyOf(widths);
  }

  @Override
  public String viewType() {
    return "DenseLayer";
  }

  @Override
  public String describe() {
    return "Dense " + units + (bias ? "" : " no bias") + (activation.isIdentity() ? "" : ", " + activation.describe());
  }
}
