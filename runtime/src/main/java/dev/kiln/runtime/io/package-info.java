/**
 * Weight files: reading and writing safetensors, saving and loading a {@link dev.kiln.runtime.Model}'s tensors, and
 * training checkpoints.
 *
 * <ul>
 *   <li>{@link dev.kiln.runtime.io.SafetensorsFile} reads any safetensors file, validating it completely, and
 *       converts its tensors to {@code float}.
 *   <li>{@link dev.kiln.runtime.io.SafetensorsWriter} writes one, laid out byte for byte as PyTorch's
 *       {@code safetensors.torch.save_file} would, and replaces the target atomically.
 *   <li>{@link dev.kiln.runtime.io.Weights} saves a model's {@code state()} under PyTorch's names and shapes and
 *       loads it back, strictly or not, reporting what it did in a {@link dev.kiln.runtime.io.LoadReport}.
 *   <li>{@link dev.kiln.runtime.io.Checkpoint} adds an optimizer's state, random generator states and the epoch to
 *       the same file format, so an interrupted training run resumes bit for bit.
 * </ul>
 *
 * <p>Two promises hold throughout, because weight files come from elsewhere and saves get interrupted: a file that
 * is damaged, hostile or does not fit the model fails with a {@link dev.kiln.runtime.io.WeightFileException} and
 * leaves the model exactly as it was; and a save either replaces the old file completely or not at all.
 *
 * <p>Like the rest of the runtime this package uses the JDK alone, hence its own small JSON code.
 */
package dev.kiln.runtime.io;
