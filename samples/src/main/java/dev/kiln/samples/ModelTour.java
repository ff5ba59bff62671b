package dev.kiln.samples;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.data.Dataset;
import java.io.IOException;
import java.util.Arrays;

/**
 * The README's "Using a generated network", runnable: a forward pass in inference mode, a backward pass in
 * training mode, and a look at a parameter by its PyTorch name. The README's code block is copied from here, and a
 * test checks that it still is, so the README cannot show code that no longer compiles.
 */
public final class ModelTour {
  private ModelTour() {}

  public static void main(String[] args) throws IOException {
    Dataset batch = FashionData.shippedTest().head(64);
    float[] images = batch.features();        // 64 images, [64, 1, 28, 28], pixels / 255
    // The gradient of the loss -mean(logit of the true class): any loss gradient will do for a tour.
    float[] gradLogits = new float[64 * 10];
    for (int i = 0; i < 64; i++) {
      gradLogits[i * 10 + batch.label(i)] = -1f / 64;
    }

    Model model = new Kiln_LeNet5();
    Workspace ws = model.newWorkspace(64);           // one per thread: activations, gradients, scratch
    float[] logits = model.forward(ws, images, 64);  // NCHW, batch-major; inference mode by default
    model.train();                                   // training mode: batch statistics, dropout
    float[] gradInput = model.backward(ws, gradLogits);
    Parameter w = model.parameter("conv1.weight");   // PyTorch's name, shape and layout

    System.out.println(model);
    System.out.println("logits of image 0: " + Arrays.toString(Arrays.copyOf(logits, 10)));
    System.out.println("input gradient: " + gradInput.length + " values, one per input pixel of the batch");
    System.out.println(w + ": first gradient values " + Arrays.toString(Arrays.copyOf(w.grad(), 5)));
  }
}
