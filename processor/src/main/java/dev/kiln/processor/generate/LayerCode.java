package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * Writes one kind of layer: the private static methods holding its loops, and the statements that call them from
 * the network's forward and backward passes. Every dimension except the batch is a literal in what it writes.
 */
interface LayerCode {
  /** The methods this layer adds to the generated class (each stays far below HotSpot's 8000-byte limit). */
  List<MethodSpec> methods(LayerPlan plan);

  /** Instance fields this layer adds to the generated model (shared by every workspace), such as packed weights. */
  default List<FieldSpec> fields(LayerPlan plan) {
    return List.of();
  }

  /** Statements of the forward pass; {@code ws}, {@code batch} and {@code training} are in scope. */
  CodeBlock forward(LayerPlan plan);

  /**
   * Statements of the backward pass; {@code ws}, {@code batch} and {@code grads} (parameter gradients) are in
   * scope, and the layer's output gradient is complete.
   *
   * @param firstGradient index in {@code grads} of this layer's first learnable parameter
   */
  CodeBlock backward(LayerPlan plan, int firstGradient);

  /**
   * Statements of the model's {@code repackWeights(part, parts)}: remake this layer's share of the weight copies its
   * forward pass derives (if stale), for data-parallel training after a split optimizer step. Most layers have none.
   */
  default CodeBlock repackPart(LayerPlan plan) {
    return CodeBlock.of("");
  }

  /** Statements of the model's {@code markRepacked()}: record the weight versions on the copies remade. */
  default CodeBlock markRepacked(LayerPlan plan) {
    return CodeBlock.of("");
  }

  /**
   * Whether a layer's backward must write its input gradient: always, except where no layer before it has a
   * learnable parameter ({@code firstGradient}, the index of its own first one, is 0): then that gradient reaches
   * only the network's input's, and the layer asks the workspace (training turns it off). So a dense layer or
   * convolution after a pool, a dropout or an activation of the input computes no gradient nothing reads (the
   * parameter-free layers between still pass along what they are given, which the network's input gradient then
   * holds only when asked for).
   */
  static String inputGradientWanted(int firstGradient) {
    return firstGradient == 0 ? "ws.inputGradientWanted()" : "true";
  }

  /** The buffer expression in the passes: the caller's input array, or a workspace field. */
  static String buffer(String name) {
    return name.equals(LayerPlan.INPUT) ? "input" : "ws." + name;
  }

  /**
   * The generated model's field holding a tensor's array: {@code conv1Weight} for {@code conv1.weight},
   * {@code bn1RunningMean} for {@code bn1.running_mean}.
   */
  static String field(String layer, String tensor) {
    StringBuilder sb = new StringBuilder(layer);
    for (String part : tensor.split("_")) {
      sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return sb.toString();
  }
}
