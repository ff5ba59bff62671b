package dev.kiln.processor.model;

/**
 * Layer, group or instance normalisation: each sample's values are split into {@code groups} groups of consecutive
 * channels (1 for a layer norm, one per channel for an instance norm), and each group is normalised with its own
 * mean and biased variance.
 */
public record NormModel(
    String name, TensorShape input, TensorShape output, NormKind kind, int groups, double eps,
    ActivationModel activation)
    implements LayerModel, FusedActivation {
  public NormModel {
    if (!input.equals(output)) {
      throw new IllegalArgumentException("normalisation keeps its shape");
    }
    if (groups < 1 || input.channels() % groups != 0) {
      throw new IllegalArgumentException("groups must divide the channels");
    }
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("eps must be positive");
    }
  }

  /** Values of one group of one sample, over which the statistics are taken. */
  public int groupSize() {
    return input.size() / groups;
  }

  /** Whether scale and shift are per value (a layer norm) rather than per channel. */
  public boolean elementwiseAffine() {
    return kind == NormKind.LAYER;
  }

  /** Size of each of the scale and shift tensors. */
  public int affineSize() {
    return elementwiseAffine() ? input.size() : input.channels();
  }

  @Override
  public String viewType() {
    return "NormLayer";
  }

  @Override
  public String describe() {
    String what = switch (kind) {
      case LAYER -> "LayerNorm";
      case GROUP -> "GroupNorm " + groups;
      case INSTANCE -> "InstanceNorm";
    };
    return what + (eps != 1e-5 ? " eps " + eps : "") + (activation.isIdentity() ? "" : ", " + activation.describe());
  }
}
