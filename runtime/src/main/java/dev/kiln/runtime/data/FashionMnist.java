package dev.kiln.runtime.data;

import dev.kiln.runtime.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Loads Fashion-MNIST (or MNIST: same files, same format) from a directory holding the four standard IDX files,
 * plain or gzipped: {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
 * {@code t10k-labels-idx1-ubyte}. Images become shape {@code 1x28x28} with pixels scaled to [0, 1] by {@code / 255f},
 * the input layout of a one-channel convolutional network.
 *
 * @param train the 60 000 training images
 * @param test the 10 000 test images
 */
public record FashionMnist(Dataset train, Dataset test) {
  /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
  public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** Fashion-MNIST's class names, by label. */
  public static final List<String> CLASSES = List.of(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /** Loads both sets from {@code dir}; labels get Fashion-MNIST's class names. */
  public static FashionMnist load(Path dir) throws IOException {
    return new FashionMnist(load(dir, "train"), load(dir, "t10k"));
  }

  /**
   * Loads one pair of files, {@code <prefix>-images-idx3-ubyte[.gz]} and {@code <prefix>-labels-idx1-ubyte[.gz]}.
   *
   * @param prefix {@code train} or {@code t10k}
   */
  public static Dataset load(Path dir, String prefix) throws IOException {
    Path imagesPath = find(dir, prefix + "-images-idx3-ubyte");
    Path labelsPath = find(dir, prefix + "-labels-idx1-ubyte");
    IdxData images = Idx.read(imagesPath);
    IdxData labels = Idx.read(labelsPath);
    if (images.type() != Idx.Type.UBYTE || images.rank() != 3) {
      throw new IdxFormatException(imagesPath + ": expected unsigned-byte images [n, rows, cols], found "
          + images.type() + " " + Arrays.toString(images.dims()));
    }
    if (labels.type() != Idx.Type.UBYTE || labels.rank() != 1) {
      throw new IdxFormatException(
          labelsPath + ": expected unsigned-byte labels [n], found " + labels.type() + " "
              + Arrays.toString(labels.dims()));
    }
    if (images.dim(0) != labels.dim(0)) {
      throw new IdxFormatException(imagesPath + " holds " + images.dim(0) + " images but " + labelsPath + " holds "
          + labels.dim(0) + " labels");
    }
    int[] y = labels.toInts();
    for (int i = 0; i < y.length; i++) {
      if (y[i] >= CLASSES.size()) {
        throw new IdxFormatException(labelsPath + ": label " + y[i] + " of sample " + i + " is not a class 0..9");
      }
    }
    Shape shape = Shape.of(1, images.dim(1), images.dim(2));
    return Dataset.classification(images.toFloats(255f), shape, y, CLASSES.size()).withClassNames(CLASSES);
  }

  private static Path find(Path dir, String name) throws IOException {
    for (String candidate : new String[] {name, name + ".gz"}) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new NoSuchFileException(dir.resolve(name).toString(), null,
        "neither " + name + " nor " + name + ".gz is in " + dir
            + (dir.equals(SYSTEM_DIR) ? " (apt-get install dataset-fashion-mnist puts them there)" : ""));
  }
}
