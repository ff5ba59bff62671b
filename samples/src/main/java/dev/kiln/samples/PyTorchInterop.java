package dev.kiln.samples;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.io.LoadOptions;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.io.Weights;
import dev.kiln.runtime.metrics.Metrics;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Runs the LeNet-5 and the MLP that PyTorch trained on Fashion-MNIST inside Kiln: loads each PyTorch
 * {@code state_dict} (saved with {@code safetensors.torch.save_file}) into the generated class with
 * {@link Weights#load}, without any name mapping or layout conversion, evaluates the 10,000 test images (pixels /
 * 255, {@code [N, 1, 28, 28]}, no normalisation, as PyTorch saw them), and compares with PyTorch's own logits.
 *
 * <p>The reference files ship in this module's resources ({@code dev/kiln/samples/pytorch}); {@code --dir=DIR}
 * reads them from a directory instead. Run:
 *
 * <pre>
 * mvn -q -pl samples exec:java -Dexec.mainClass=dev.kiln.samples.PyTorchInterop
 * </pre>
 */
public final class PyTorchInterop {
  /** PyTorch's test accuracy of each reference model (ref_train.py, Adam lr 1e-3, batch 64, 10 epochs, seed 1). */
  public static final double LENET5_ACCURACY = 0.8980;
  public static final double MLP_ACCURACY = 0.8855;
  /** The largest difference allowed between a Kiln logit and PyTorch's: float32 summation order, nothing more. */
  public static final double TOLERANCE = 1e-4;

  static final String RESOURCES = "/dev/kiln/samples/pytorch/";

  private PyTorchInterop() {}

  /**
   * How one PyTorch model fared in Kiln.
   *
   * @param maxAbsDiff the largest |Kiln logit - PyTorch logit| over all samples and classes
   * @param predictionsDiffering samples whose arg-max class differs from PyTorch's
   */
  public record Comparison(String network, int samples, double accuracy, double pytorchAccuracy, double maxAbsDiff,
      int predictionsDiffering) {
    /** Whether Kiln reproduces PyTorch: every logit within {@link #TOLERANCE}, the same accuracy. */
    public boolean matches() {
      return maxAbsDiff <= TOLERANCE && accuracy == pytorchAccuracy && predictionsDiffering == 0;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT,
          "%-7s test accuracy %.4f (PyTorch %.4f), max |logit difference| %.2e over %d x 10 logits, "
              + "%d predictions differ: %s",
          network, accuracy, pytorchAccuracy, maxAbsDiff, samples, predictionsDiffering,
          matches() ? "same model" : "MISMATCH");
    }
  }

  public static void main(String[] args) throws IOException {
    Args a = Args.parse(args, Set.of("dir"));
    Model lenet = new Kiln_LeNet5();
    Model mlp = new Kiln_Mlp();
    SafetensorsFile lenetLogits;
    SafetensorsFile mlpLogits;
    if (a.has("dir")) {
      Path dir = Path.of(a.get("dir", "."));
      Weights.load(lenet, dir.resolve("lenet5_trained.safetensors"));  // PyTorch's state_dict, unchanged
      Weights.load(mlp, dir.resolve("mlp_trained.safetensors"));       // strict: names, shapes, dtypes checked
      lenetLogits = SafetensorsFile.read(dir.resolve("lenet5_test_logits.safetensors"));
      mlpLogits = SafetensorsFile.read(dir.resolve("mlp_test_logits.safetensors"));
    } else {
      Weights.load(lenet, resource("lenet5_trained.safetensors"), LoadOptions.strict());
      Weights.load(mlp, resource("mlp_trained.safetensors"), LoadOptions.strict());
      lenetLogits = resource("lenet5_test_logits.safetensors");
      mlpLogits = resource("mlp_test_logits.safetensors");
    }
    Dataset test = FashionData.shippedTest();
    Comparison[] results = {
        compare("LeNet-5", lenet, test, lenetLogits, LENET5_ACCURACY),
        compare("MLP", mlp, test, mlpLogits, MLP_ACCURACY)};
    boolean ok = true;
    for (Comparison c : results) {
      System.out.println(c);
      ok &= c.matches();
    }
    if (!ok) {
      throw new IllegalStateException("Kiln's outputs differ from PyTorch's beyond " + TOLERANCE);
    }
  }

  /** Loads the shipped PyTorch weights of {@code prefix} ({@code lenet5}, {@code mlp}) into {@code model}. */
  public static <M extends Model> M withPyTorchWeights(M model, String prefix) throws IOException {
    Weights.load(model, resource(prefix + "_trained.safetensors"), LoadOptions.strict());
    return model;
  }

  /** PyTorch's logits (and labels) of the shipped model {@code prefix} on the 10,000 test images. */
  public static SafetensorsFile pytorchLogits(String prefix) throws IOException {
    return resource(prefix + "_test_logits.safetensors");
  }

  /**
   * Runs {@code test} through {@code model} (with PyTorch's weights loaded) and compares with PyTorch's
   * {@code logits} and {@code labels} in {@code reference}.
   */
  public static Comparison compare(String network, Model model, Dataset test, SafetensorsFile reference,
      double pytorchAccuracy) {
    float[] expected = reference.floats("logits");
    long[] labels = labels(reference);
    if (labels.length != test.size()) {
      throw new IllegalArgumentException(labels.length + " reference labels for " + test.size() + " test images");
    }
    for (int i = 0; i < labels.length; i++) {
      // Same images in the same order, or the comparison means nothing.
      if (labels[i] != test.label(i)) {
        throw new IllegalArgumentException("reference label " + labels[i] + " of sample " + i + " is not the test "
            + "set's " + test.label(i) + ": the files are not in test-file order");
      }
    }
    float[] logits = logits(model, test);
    int classes = model.outputShape().size();
    double maxDiff = 0;
    int correct = 0;
    int differing = 0;
    for (int i = 0; i < test.size(); i++) {
      for (int k = 0; k < classes; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(logits[i * classes + k] - expected[i * classes + k]));
      }
      int predicted = Metrics.argmax(logits, i * classes, classes);
      correct += predicted == test.label(i) ? 1 : 0;
      differing += predicted != Metrics.argmax(expected, i * classes, classes) ? 1 : 0;
    }
    return new Comparison(network, test.size(), (double) correct / test.size(), pytorchAccuracy, maxDiff, differing);
  }

  /** The reference file's {@code labels}, whichever dtype the exporter chose (the shipped files hold F32). */
  static long[] labels(SafetensorsFile reference) {
    if (reference.dtype("labels").startsWith("F")) {
      float[] f = reference.floats("labels");
      long[] l = new long[f.length];
      for (int i = 0; i < f.length; i++) {
        l[i] = (long) f[i];
      }
      return l;
    }
    return reference.longs("labels");
  }

  /** The model's logits for every sample of {@code data}, in order: inference in batches on one workspace. */
  public static float[] logits(Model model, Dataset data) {
    int batch = Math.min(250, data.size());
    int in = data.sampleSize();
    int out = model.outputShape().size();
    Workspace ws = model.newWorkspace(batch);
    float[] features = data.features();
    float[] input = new float[batch * in];
    float[] logits = new float[data.size() * out];
    for (int start = 0; start < data.size(); start += batch) {
      int n = Math.min(batch, data.size() - start);
      System.arraycopy(features, start * in, input, 0, n * in);
      float[] y = model.forward(ws, input, n);
      System.arraycopy(y, 0, logits, start * out, n * out);
    }
    return logits;
  }

  /** A shipped reference file, parsed and checked like any safetensors file. */
  static SafetensorsFile resource(String name) throws IOException {
    try (InputStream in = PyTorchInterop.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new FileNotFoundException("class-path resource " + RESOURCES + name + " is missing");
      }
      return SafetensorsFile.parse(in.readAllBytes());
    }
  }
}
