package dev.kiln.processor.model;

import dev.kiln.annotations.Init;

/**
 * A grouped 2-D transposed convolution. {@code window} holds kernel, stride, padding and dilation as for a
 * convolution; the output size per axis is {@code (in - 1) s - 2p + d(k - 1) + outputPadding + 1}.
 */
public record ConvTransposeModel(
    String name,
    TensorShape input,
    TensorShape output,
    int filters,
    Window window,
    int outputPaddingHeight,
    int outputPaddingWidth,
    int groups,
    boolean bias,
    ActivationModel activation,
    Init init)
    implements LayerModel, FusedActivation {
  public ConvTransposeModel {
    if (input.channels() % groups != 0 || filters % groups != 0) {
      throw new IllegalArgumentException("groups must divide channels and filters");
    }
    if (output.height() != outputLength(input.height(), window.kh(), window.sh(), window.ph(), window.dh(),
        outputPaddingHeight)
        || output.width() != outputLength(input.width(), window.kw(), window.sw(), window.pw(), window.dw(),
            outputPaddingWidth)) {
      throw new IllegalArgumentException("output shape does not follow the transposed rule");
    }
  }

  /** Output length along one axis; may be below 1 (validators check first). */
  public static int outputLength(int in, int k, int s, int p, int d, int outputPadding) {
    return (in - 1) * s - 2 * p + d * (k - 1) + outputPadding + 1;
  }

  public int channelsPerGroup() {
    return input.channels() / groups;
  }

  public int filtersPerGroup() {
    return filters / groups;
  }

  @Override
  public String viewType() {
    return "ConvTransposeLayer";
  }

  @Override
  public String describe() {
    String op = outputPaddingHeight == 0 && outputPaddingWidth == 0 ? ""
        : " outpad " + (outputPaddingHeight == outputPaddingWidth ? Integer.toString(outputPaddingHeight)
            : outputPaddingHeight + "x" + outputPaddingWidth);
    return "ConvT " + filters + "@" + window.describe() + op
        + (groups == 1 ? "" : " groups " + groups)
        + (bias ? "" : " no bias")
        + (activation.isIdentity() ? "" : ", " + activation.describe());
  }
}
