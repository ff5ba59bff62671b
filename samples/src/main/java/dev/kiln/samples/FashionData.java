package dev.kiln.samples;

import dev.kiln.runtime.Shape;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.data.FashionMnist;
import dev.kiln.runtime.data.Idx;
import dev.kiln.runtime.data.IdxData;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the samples' Fashion-MNIST comes from: the subset this module ships on its class path (the first 10,000
 * training images and all 10,000 test images), the full set of Debian's {@code dataset-fashion-mnist} package, or
 * any directory holding the four standard IDX files.
 *
 * <p>The subset is what makes the demo and the PyTorch interop test work on a fresh clone: the full set is 30 MB
 * compressed, too much to keep in the repository, and installing it needs root. Pixels are scaled by {@code / 255f}
 * exactly as {@link FashionMnist} does, which is also what PyTorch's {@code ToTensor} does, so logits compare
 * bit-for-bit-close with PyTorch's.
 */
public final class FashionData {
  /** Class-path directory of the shipped IDX files. */
  static final String SHIPPED = "/dev/kiln/samples/fashion-mnist/";

  private FashionData() {}

  /**
   * A data set and where it came from, for the log.
   *
   * @param data the training and test sets
   * @param description a phrase such as {@code "the shipped subset (10000 training, 10000 test images)"}
   * @param full whether this is the whole 60,000-image training set
   */
  public record Source(FashionMnist data, String description, boolean full) {}

  /** The shipped subset: 10,000 training and 10,000 test images, from the class path. */
  public static FashionMnist shipped() throws IOException {
    return new FashionMnist(shipped("train"), shippedTest());
  }

  /** The 10,000 test images of Fashion-MNIST (all of them), from the class path; no installed package needed. */
  public static Dataset shippedTest() throws IOException {
    return shipped("t10k");
  }

  /** Whether the full set is installed where Debian's package puts it. */
  public static boolean systemInstalled() {
    return Files.isDirectory(FashionMnist.SYSTEM_DIR);
  }

  /**
   * Resolves a data argument.
   *
   * @param spec {@code auto} (the installed full set if there is one, else the shipped subset), {@code shipped},
   *     {@code full} (the installed set, an error if absent), or a directory with the four IDX files
   */
  public static Source resolve(String spec) throws IOException {
    switch (spec) {
      case "auto":
        return systemInstalled() ? directory(FashionMnist.SYSTEM_DIR) : shippedSource();
      case "shipped":
        return shippedSource();
      case "full":
        return directory(FashionMnist.SYSTEM_DIR); // FashionMnist.load names the package when it is missing
      default:
        return directory(Path.of(spec));
    }
  }

  private static Source shippedSource() throws IOException {
    FashionMnist d = shipped();
    return new Source(d, String.format("the subset shipped in kiln-samples (%d training, %d test images)",
        d.train().size(), d.test().size()), false);
  }

  private static Source directory(Path dir) throws IOException {
    FashionMnist d = FashionMnist.load(dir);
    return new Source(d, String.format("%s (%d training, %d test images)", dir, d.train().size(), d.test().size()),
        d.train().size() >= 60_000);
  }

  /** Reads one shipped pair, {@code <prefix>-images-idx3-ubyte.gz} and its labels, like {@link FashionMnist}. */
  private static Dataset shipped(String prefix) throws IOException {
    IdxData images = read(prefix + "-images-idx3-ubyte.gz");
    IdxData labels = read(prefix + "-labels-idx1-ubyte.gz");
    if (images.rank() != 3 || labels.rank() != 1 || images.dim(0) != labels.dim(0)) {
      throw new IOException("shipped " + prefix + " files do not match: images " + images + ", labels " + labels);
    }
    Shape shape = Shape.of(1, images.dim(1), images.dim(2));
    return Dataset.classification(images.toFloats(255f), shape, labels.toInts(), FashionMnist.CLASSES.size())
        .withClassNames(FashionMnist.CLASSES);
  }

  private static IdxData read(String name) throws IOException {
    try (InputStream in = FashionData.class.getResourceAsStream(SHIPPED + name)) {
      if (in == null) {
        throw new FileNotFoundException("class-path resource " + SHIPPED + name
            + " is missing: kiln-samples ships it in src/main/resources");
      }
      return Idx.read(in, SHIPPED + name);
    }
  }
}
