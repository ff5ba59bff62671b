package dev.kiln.processor.model;

/**
 * Batch normalisation over the batch and the positions, per channel (per feature of a vector), with running
 * statistics updated in training mode.
 */
public record BatchNormModel(
    String name, TensorShape input, TensorShape output, double momentum, double eps, ActivationModel activation)
    implements LayerModel, FusedActivation {
  public BatchNormModel {
    if (!input.equals(output)) {
      throw new IllegalArgumentException("batch norm keeps its shape");
    }
    if (!(momentum >= 0 && momentum <= 1) || !(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("momentum in [0, 1] and a positive eps");
    }
  }

  public int channels() {
    return input.channels();
  }

  /** Positions per channel of one sample: {@code H*W}, or 1 for a vector. */
  public int positions() {
    return input.height() * input.width();
  }

  @Override
  public String viewType() {
    return "BatchNormLayer";
  }

  @Override
  public String describe() {
    return "BatchNorm" + (input.isImage() ? "2d" : "1d") + (momentum != 0.1 ? " momentum " + momentum : "")
        + (eps != 1e-5 ? " eps " + eps : "") + (activation.isIdentity() ? "" : ", " + activation.describe());
  }
}
