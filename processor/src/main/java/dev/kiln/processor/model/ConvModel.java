package dev.kiln.processor.model;

import dev.kiln.annotations.Init;

/** A grouped 2-D convolution; {@code groups} divides both the input channels and the filters. */
public record ConvModel(
    String name,
    TensorShape input,
    TensorShape output,
    int filters,
    Window window,
    int groups,
    boolean bias,
    ActivationModel activation,
    Init init)
    implements LayerModel, FusedActivation {
  public ConvModel {
    if (input.channels() % groups != 0 || filters % groups != 0) {
      throw new IllegalArgumentException("groups must divide channels and filters");
    }
  }

  /** Input channels each filter sees. */
  public int channelsPerGroup() {
    return input.channels() / groups;
  }

  /** Values one output position of one group sees: {@code channels / groups * kh * kw}. */
  public static int rowLength(ConvModel c) {
    return c.channelsPerGroup() * c.window().kh() * c.window().kw();
  }

  public int filtersPerGroup() {
    return filters / groups;
  }

  /** Whether the layer pads its input; its kernels then read a zero-bordered copy of each sample's group. */
  public boolean padded() {
    return window.ph() > 0 || window.pw() > 0;
  }

  /** Height of the image the kernels' window copies read: the input plus its padding on both sides. */
  public int sourceHeight() {
    return input.height() + 2 * window.ph();
  }

  /** Width of the image the kernels' window copies read: the input plus its padding on both sides. */
  public int sourceWidth() {
    return input.width() + 2 * window.pw();
  }

  /** Size of the zero-bordered copy of one sample's group; 0 when the layer has no padding. */
  public int paddedCopySize() {
    return padded() ? channelsPerGroup() * sourceHeight() * sourceWidth() : 0;
  }

  @Override
  public String viewType() {
    return "ConvLayer";
  }

  @Override
  public String describe() {
    return "Conv " + filters + "@" + window.describe()
        + (groups == 1 ? "" : " groups " + groups)
        + (bias ? "" : " no bias")
        + (activation.isIdentity() ? "" : ", " + activation.describe());
  }
}
