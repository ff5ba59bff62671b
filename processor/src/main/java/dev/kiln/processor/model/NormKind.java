package dev.kiln.processor.model;

/** The normalisations that use each sample's own statistics, so training and inference compute the same. */
public enum NormKind {
  /** All of a sample's values; scale and shift per value ({@code @LayerNorm}). */
  LAYER,
  /** Groups of consecutive channels; scale and shift per channel ({@code @GroupNorm}). */
  GROUP,
  /** Each channel on its own; scale and shift per channel ({@code @InstanceNorm}). */
  INSTANCE
}
