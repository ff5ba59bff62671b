package dev.kiln.samples;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.data.Dataset;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.metrics.Metrics;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The models PyTorch trained, loaded into the generated classes with {@code Weights.load}, give PyTorch's logits on
 * all 10,000 Fashion-MNIST test images (within 1e-4) and exactly its accuracy. Uses the test images and reference
 * files shipped with the samples, so it never needs the data package.
 */
class PyTorchInteropTest {
  static Dataset test;

  @BeforeAll
  static void load() throws IOException {
    test = FashionData.shippedTest();
  }

  @Test
  void lenet5MatchesPyTorch() throws IOException {
    check(PyTorchInterop.withPyTorchWeights(new Kiln_LeNet5(), "lenet5"), "lenet5", 8980);
  }

  @Test
  void mlpMatchesPyTorch() throws IOException {
    check(PyTorchInterop.withPyTorchWeights(new Kiln_Mlp(), "mlp"), "mlp", 8855);
  }

  private static void check(Model model, String prefix, int pytorchCorrect) throws IOException {
    assertThat(test.size()).isEqualTo(10_000);
    SafetensorsFile reference = PyTorchInterop.pytorchLogits(prefix);
    float[] expected = reference.floats("logits");
    long[] labels = PyTorchInterop.labels(reference);
    float[] logits = PyTorchInterop.logits(model, test);
    assertThat(logits.length).isEqualTo(expected.length);
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      assertWithMessage("label of test image %s", i).that(labels[i]).isEqualTo((long) test.label(i));
      for (int k = 0; k < 10; k++) {
        int j = i * 10 + k;
        assertWithMessage("%s logit %s of test image %s", prefix, k, i).that((double) logits[j])
            .isWithin(PyTorchInterop.TOLERANCE).of(expected[j]);
      }
      correct += Metrics.argmax(logits, i * 10, 10) == test.label(i) ? 1 : 0;
    }
    // Exactly PyTorch's count of correct answers: 0.8980 and 0.8855 of 10,000.
    assertWithMessage("%s correct test predictions", prefix).that(correct).isEqualTo(pytorchCorrect);
    PyTorchInterop.Comparison c = PyTorchInterop.compare(prefix, model, test, reference, pytorchCorrect / 10_000.0);
    assertWithMessage("%s", c).that(c.matches()).isTrue();
  }
}
