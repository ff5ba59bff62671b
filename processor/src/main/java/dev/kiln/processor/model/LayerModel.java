package dev.kiln.processor.model;

/** One validated layer: its name (the interface method), the shapes it maps between, and its configuration. */
public sealed interface LayerModel
    permits DenseModel, ConvModel, PoolModel, FlattenModel, ActivationLayerModel, BatchNormModel, NormModel,
        DropoutModel, PReluModel, RReluModel, ConvTransposeModel {
  String name();

  TensorShape input();

  TensorShape output();

  /** The runtime view the interface method returns, such as {@code DenseLayer}. */
  String viewType();

  /** Short configuration in words for summaries, such as {@code Conv 6@5x5 pad 2, relu}. */
  String describe();
}
