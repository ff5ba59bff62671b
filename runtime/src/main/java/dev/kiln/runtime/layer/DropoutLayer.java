package dev.kiln.runtime.layer;

import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import java.util.List;

/**
 * A dropout (@Dropout); it has no parameters. Its masks come from the workspace's generator.
 */
public final class DropoutLayer extends Layer {
  public DropoutLayer(
      String name,
      String description,
      Shape inputShape,
      Shape outputShape,
      List<Parameter> parameters,
      long multiplyAdds,
      int receptiveField) {
    super(name, description, inputShape, outputShape, parameters, multiplyAdds, receptiveField);
  }
}
