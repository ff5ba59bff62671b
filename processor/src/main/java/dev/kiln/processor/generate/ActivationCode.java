package dev.kiln.processor.generate;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.kiln.processor.model.ActivationLayerModel;
import dev.kiln.processor.model.ActivationModel;
import dev.kiln.processor.model.FusedActivation;
import dev.kiln.processor.model.TensorShape;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * Calls to the runtime's activation kernels, for a standalone activation layer and for the activation fused into a
 * Dense or Conv. The kernels are short static loops over flat arrays, which HotSpot inlines; their bound is
 * {@code batch * size} with the size a literal.
 */
final class ActivationCode implements LayerCode {
  static final ClassName ACTIVATIONS = ClassName.get("dev.kiln.runtime.kernel", "Activations");

  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    return List.of();
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    ActivationLayerModel layer = (ActivationLayerModel) plan.layer();
    return forward(layer.activation(), LayerCode.buffer(plan.input()), LayerCode.buffer(plan.output()),
        layer.output());
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    ActivationLayerModel layer = (ActivationLayerModel) plan.layer();
    return backward(layer.activation(), LayerCode.buffer(plan.input()), LayerCode.buffer(plan.output()),
        LayerCode.buffer(plan.outputGrad()), LayerCode.buffer(plan.inputGrad()), layer.output());
  }

  /**
   * Where a layer with a fused activation writes its own result: its pre-activation buffer when it has an
   * activation, else straight into its output.
   */
  static String producerTarget(LayerPlan plan) {
    return LayerCode.buffer(plan.preActivation() != null ? plan.preActivation() : plan.output());
  }

  /** After a layer's own forward: its fused activation, pre-activation to output; nothing for identity. */
  static CodeBlock fusedForward(LayerPlan plan) {
    if (plan.preActivation() == null) {
      return CodeBlock.of("");
    }
    return forward(((FusedActivation) plan.layer()).activation(), LayerCode.buffer(plan.preActivation()),
        LayerCode.buffer(plan.output()), plan.layer().output());
  }

  /**
   * Before a layer's own backward: turns its output gradient, in place, into the gradient of its pre-activation.
   */
  static CodeBlock fusedBackward(LayerPlan plan) {
    if (plan.preActivation() == null) {
      return CodeBlock.of("");
    }
    String g = LayerCode.buffer(plan.outputGrad());
    return backward(((FusedActivation) plan.layer()).activation(), LayerCode.buffer(plan.preActivation()),
        LayerCode.buffer(plan.output()), g, g, plan.layer().output());
  }

  /** {@code y = f(x)} over a batch of {@code shape}. */
  static CodeBlock forward(ActivationModel act, String x, String y, TensorShape shape) {
    int n = shape.size();
    String alpha = floatLiteral(act.alpha());
    return switch (act.kind()) {
      case IDENTITY -> CodeBlock.of("System.arraycopy($L, 0, $L, 0, batch * $L);\n", x, y, n);
      case RELU -> CodeBlock.of("$T.relu($L, $L, batch * $L);\n", ACTIVATIONS, x, y, n);
      case LEAKY_RELU -> CodeBlock.of("$T.leakyRelu($L, $L, batch * $L, $L);\n", ACTIVATIONS, x, y, n, alpha);
      case SIGMOID -> CodeBlock.of("$T.sigmoid($L, $L, batch * $L);\n", ACTIVATIONS, x, y, n);
      case TANH -> CodeBlock.of("$T.tanh($L, $L, batch * $L);\n", ACTIVATIONS, x, y, n);
      case ELU -> CodeBlock.of("$T.elu($L, $L, batch * $L, $L);\n", ACTIVATIONS, x, y, n, alpha);
      case SOFTPLUS -> CodeBlock.of("$T.softplus($L, $L, batch * $L);\n", ACTIVATIONS, x, y, n);
      case GELU -> CodeBlock.of("$T.gelu($L, $L, batch * $L);\n", ACTIVATIONS, x, y, n);
      case SILU -> CodeBlock.of("$T.silu($L, $L, batch * $L);\n", ACTIVATIONS, x, y, n);
      case SOFTMAX -> CodeBlock.of("$T.softmax($L, $L, batch, $L, $L);\n", ACTIVATIONS, x, y, shape.channels(),
          positions(shape));
      case LOG_SOFTMAX -> CodeBlock.of("$T.logSoftmax($L, $L, batch, $L, $L);\n", ACTIVATIONS, x, y,
          shape.channels(), positions(shape));
    };
  }

  /** {@code gx = g * f'(x)}; {@code gx} may be {@code g} (in place), as for a fused activation. */
  static CodeBlock backward(ActivationModel act, String x, String y, String g, String gx, TensorShape shape) {
    int n = shape.size();
    String alpha = floatLiteral(act.alpha());
    return switch (act.kind()) {
      case IDENTITY -> g.equals(gx) ? CodeBlock.of("") : CodeBlock.of(
          "System.arraycopy($L, 0, $L, 0, batch * $L);\n", g, gx, n);
      case RELU -> CodeBlock.of("$T.reluBackward($L, $L, $L, batch * $L);\n", ACTIVATIONS, x, g, gx, n);
      case LEAKY_RELU -> CodeBlock.of("$T.leakyReluBackward($L, $L, $L, batch * $L, $L);\n", ACTIVATIONS, x, g, gx,
          n, alpha);
      case SIGMOID -> CodeBlock.of("$T.sigmoidBackward($L, $L, $L, batch * $L);\n", ACTIVATIONS, y, g, gx, n);
      case TANH -> CodeBlock.of("$T.tanhBackward($L, $L, $L, batch * $L);\n", ACTIVATIONS, y, g, gx, n);
      case ELU -> CodeBlock.of("$T.eluBackward($L, $L, $L, $L, batch * $L, $L);\n", ACTIVATIONS, x, y, g, gx, n,
          alpha);
      case SOFTPLUS -> CodeBlock.of("$T.softplusBackward($L, $L, $L, batch * $L);\n", ACTIVATIONS, x, g, gx, n);
      case GELU -> CodeBlock.of("$T.geluBackward($L, $L, $L, batch * $L);\n", ACTIVATIONS, x, g, gx, n);
      case SILU -> CodeBlock.of("$T.siluBackward($L, $L, $L, batch * $L);\n", ACTIVATIONS, x, g, gx, n);
      case SOFTMAX -> CodeBlock.of("$T.softmaxBackward($L, $L, $L, batch, $L, $L);\n", ACTIVATIONS, y, g, gx,
          shape.channels(), positions(shape));
      case LOG_SOFTMAX -> CodeBlock.of("$T.logSoftmaxBackward($L, $L, $L, batch, $L, $L);\n", ACTIVATIONS, y, g,
          gx, shape.channels(), positions(shape));
    };
  }

  /** Softmax runs over channels at each position of an image, over the features of a vector. */
  private static int positions(TensorShape shape) {
    return shape.height() * shape.width();
  }

  static String floatLiteral(double v) {
    return Float.toString((float) v) + "f";
  }
}
