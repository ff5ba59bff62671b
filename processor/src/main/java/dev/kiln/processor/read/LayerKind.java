package dev.kiln.processor.read;

import java.util.Arrays;
import java.util.Optional;

/** The layer annotations, with the runtime view each one's method must return. */
public enum LayerKind {
  DENSE("dev.kiln.annotations.Dense", "DenseLayer"),
  CONV("dev.kiln.annotations.Conv", "ConvLayer"),
  POOL("dev.kiln.annotations.Pool", "PoolLayer"),
  GLOBAL_POOL("dev.kiln.annotations.GlobalPool", "PoolLayer"),
  FLATTEN("dev.kiln.annotations.Flatten", "FlattenLayer"),
  ACTIVATE("dev.kiln.annotations.Activate", "ActivationLayer"),
  BATCH_NORM("dev.kiln.annotations.BatchNorm", "BatchNormLayer"),
  LAYER_NORM("dev.kiln.annotations.LayerNorm", "NormLayer"),
  GROUP_NORM("dev.kiln.annotations.GroupNorm", "NormLayer"),
  INSTANCE_NORM("dev.kiln.annotations.InstanceNorm", "NormLayer"),
  DROPOUT("dev.kiln.annotations.Dropout", "DropoutLayer"),
  PRELU("dev.kiln.annotations.PReLU", "PReluLayer"),
  RRELU("dev.kiln.annotations.RReLU", "ActivationLayer"),
  CONV_TRANSPOSE("dev.kiln.annotations.ConvTranspose", "ConvTransposeLayer");

  /** Package of the runtime's layer views. */
  public static final String VIEW_PACKAGE = "dev.kiln.runtime.layer";

  private final String annotation;
  private final String view;

  LayerKind(String annotation, String view) {
    this.annotation = annotation;
    this.view = view;
  }

  public String annotationName() {
    return annotation;
  }

  public String simpleAnnotationName() {
    return annotation.substring(annotation.lastIndexOf('.') + 1);
  }

  /** Simple name of the runtime view, such as {@code ConvLayer}. */
  public String view() {
    return view;
  }

  public String qualifiedView() {
    return VIEW_PACKAGE + "." + view;
  }

  public static Optional<LayerKind> forAnnotation(String qualifiedName) {
    return Arrays.stream(values()).filter(k -> k.annotation.equals(qualifiedName)).findFirst();
  }
}
