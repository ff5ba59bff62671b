package dev.kiln.runtime.train;

import dev.kiln.runtime.Parameter;
import java.util.List;

/**
 * Changes the gradients between the backward pass and the optimizer step: clipping (see
 * {@code dev.kiln.runtime.optim.GradientClipping}), noise, logging of norms. It sees each batch's complete
 * gradients, already summed over threads and checked to be finite.
 */
@FunctionalInterface
public interface GradientHook {
  /** @param parameters the model's learnable parameters; their {@code grad()} arrays may be modified in place */
  void apply(List<Parameter> parameters);
}
