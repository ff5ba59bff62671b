package dev.kiln.processor.plan;

import dev.kiln.processor.model.LayerModel;

/**
 * Where one layer reads and writes. Buffer names are fields of the generated workspace, except {@link #INPUT}, the
 * caller's input array.
 *
 * @param input buffer holding the layer's input (the previous layer's output)
 * @param output buffer the layer writes its (post-activation) output to
 * @param preActivation buffer for the value before a fused activation, or null when there is none
 * @param inputGrad buffer receiving the gradient for the layer's input
 * @param outputGrad buffer holding the gradient for the layer's output
 * @param argmax int buffer of a max pool's winning positions, or null
 * @param receptiveField input pixels per axis one output sees; 0 for all
 */
public record LayerPlan(
    LayerModel layer,
    String input,
    String output,
    String preActivation,
    String inputGrad,
    String outputGrad,
    String argmax,
    long parameters,
    long multiplyAdds,
    int receptiveField) {
  public static final String INPUT = "input";
  public static final String INPUT_GRAD = "inputGrad";

  /** Whether the output has a buffer of its own (false for a flatten, which aliases its input). */
  public boolean ownsOutput() {
    return !output.equals(input);
  }
}
