/**
 * Data for training and evaluation: an in-memory {@link dev.kiln.runtime.data.Dataset} of batch-major float samples
 * with integer labels (or float targets), mini-batch iteration into reusable arrays, readers for IDX
 * ({@link dev.kiln.runtime.data.Idx}, {@link dev.kiln.runtime.data.FashionMnist}) and CSV
 * ({@link dev.kiln.runtime.data.Csv}) files, feature scaling fitted on training data, and seeded per-batch image
 * augmentation ({@link dev.kiln.runtime.data.Augmentation}, {@link dev.kiln.runtime.data.Augmentations}).
 *
 * <p>Everything random takes a {@link dev.kiln.runtime.Rng}, so a seed reproduces shuffles, splits and augmentations
 * exactly. Batch iteration and augmentation allocate nothing per batch: the training loop's steady state stays free
 * of garbage.
 */
package dev.kiln.runtime.data;
