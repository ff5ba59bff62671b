package dev.kiln.processor.generate;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.kiln.processor.plan.LayerPlan;
import java.util.List;

/**
 * A flatten usually writes no code: the plan gives it its input's buffers, since NCHW is already flat in memory.
 * Only a flatten of the caller's own input array gets buffers of its own, and copies.
 */
final class FlattenCode implements LayerCode {
  @Override
  public List<MethodSpec> methods(LayerPlan plan) {
    return List.of();
  }

  @Override
  public CodeBlock forward(LayerPlan plan) {
    if (plan.ownsOutput()) {
      return CodeBlock.of("System.arraycopy($L, 0, $L, 0, batch * $L);\n", LayerCode.buffer(plan.input()),
          LayerCode.buffer(plan.output()), plan.layer().output().size());
    }
    return CodeBlock.of("// $L: flatten, shares its input's memory\n", plan.layer().name());
  }

  @Override
  public CodeBlock backward(LayerPlan plan, int firstGradient) {
    if (plan.ownsOutput()) {
      return CodeBlock.of("System.arraycopy($L, 0, $L, 0, batch * $L);\n", LayerCode.buffer(plan.outputGrad()),
          LayerCode.buffer(plan.inputGrad()), plan.layer().output().size());
    }
    return CodeBlock.of("");
  }
}
