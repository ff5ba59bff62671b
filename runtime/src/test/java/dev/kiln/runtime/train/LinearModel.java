package dev.kiln.runtime.train;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.init.WeightInit;
import dev.kiln.runtime.layer.DenseLayer;
import java.util.List;

/**
 * A hand-written stand-in for a generated network: one dense layer {@code fc}, {@code y = W x + b}, with real
 * forward and backward passes, so the trainer can be tested without the annotation processor. The input may be
 * given an image shape (its size is what counts) so augmentations apply.
 */
final class LinearModel extends Model {
  private final int in;
  private final int out;
  /** When set, the backward pass writes NaN into this parameter's gradient, to test divergence reports. */
  volatile String poisonGradient;
  /** Where in that gradient the NaN goes (an index from the end when negative); what goes there. */
  volatile int poisonIndex;
  volatile float poisonValue = Float.NaN;
  /** Whether training may split the layer by outputs ({@link #splitUnits}), and its forward pass too. */
  private final boolean splittable;
  private final boolean splitsForward;
  /** Calls of the split layer's shares, to show a trainer took that path. */
  final java.util.concurrent.atomic.AtomicInteger splitForwardCalls = new java.util.concurrent.atomic.AtomicInteger();
  final java.util.concurrent.atomic.AtomicInteger splitGradientCalls = new java.util.concurrent.atomic.AtomicInteger();

  LinearModel(Shape inputShape, int out, long seed) {
    this(inputShape, out, seed, false, false);
  }

  /** A layer training may split by outputs, as a generated network's first dense layer. */
  static LinearModel splittable(int in, int out, long seed, boolean splitsForward) {
    return new LinearModel(Shape.of(in), out, seed, true, splitsForward);
  }

  private LinearModel(Shape inputShape, int out, long seed, boolean splittable, boolean splitsForward) {
    super("Linear", inputShape, Shape.of(out), seed, List.of(layer(inputShape, out)));
    this.in = inputShape.size();
    this.out = out;
    this.splittable = splittable;
    this.splitsForward = splitsForward;
  }

  @Override
  public int splitUnits() {
    return splittable ? out : 0;
  }

  @Override
  public boolean splitsForward(int threads) {
    return splitsForward;
  }

  @Override
  public int splitParameters() {
    return splittable ? 2 : 0;
  }

  @Override
  protected void splitForwardPart(Workspace scratch, float[] x, int batch, float[] outputs, int from, int to) {
    splitForwardCalls.incrementAndGet();
    float[] w = weight();
    float[] b = bias();
    for (int n = 0; n < batch; n++) {
      for (int o = from; o < to; o++) {
        outputs[n * out + o] = dot(w, b, x, n, o);
      }
    }
  }

  @Override
  protected void splitWeightGradientPart(Workspace scratch, float[] x, float[] g, int batch, float[] gw, float[] gb,
      int from, int to) {
    splitGradientCalls.incrementAndGet();
    for (int n = 0; n < batch; n++) {
      for (int o = from; o < to; o++) {
        float go = g[n * out + o];
        gb[o] += go;
        for (int i = 0; i < in; i++) {
          gw[o * in + i] += go * x[n * in + i];
        }
      }
    }
  }

  private float dot(float[] w, float[] b, float[] x, int n, int o) {
    float s = b[o];
    for (int i = 0; i < in; i++) {
      s += w[o * in + i] * x[n * in + i];
    }
    return s;
  }

  LinearModel(int in, int out, long seed) {
    this(Shape.of(in), out, seed);
  }

  private static DenseLayer layer(Shape inputShape, int out) {
    int in = inputShape.size();
    return new DenseLayer("fc", "Dense " + out, inputShape, Shape.of(out),
        List.of(Parameter.weight("fc.weight", new int[] {out, in}, in, out, WeightInit.GLOROT_UNIFORM),
            Parameter.bias("fc.bias", new int[] {out})),
        (long) in * out, 0);
  }

  float[] weight() {
    return state().get(0).value();
  }

  float[] bias() {
    return state().get(1).value();
  }

  static final class Ws extends Workspace {
    final float[] output;
    final float[] gradInput;
    float[] input;

    Ws(LinearModel model, int maxBatch, boolean privateGradients) {
      super(model, maxBatch, privateGradients);
      output = new float[maxBatch * model.out];
      gradInput = new float[maxBatch * model.in];
    }

    @Override
    public float[] output() {
      return output;
    }

    @Override
    public float[] inputGradient() {
      return gradInput;
    }
  }

  @Override
  protected Workspace createWorkspace(int maxBatch, boolean privateGradients) {
    return new Ws(this, maxBatch, privateGradients);
  }

  @Override
  protected void forwardPass(Workspace workspace, float[] x, int batch, boolean training) {
    Ws ws = (Ws) workspace;
    ws.input = x;
    if (ws.firstLayerSplitOutputs() != null) {
      System.arraycopy(ws.firstLayerSplitOutputs(), ws.firstLayerSplitSample() * out, ws.output, 0, batch * out);
      return;
    }
    float[] w = weight();
    float[] b = bias();
    for (int n = 0; n < batch; n++) {
      for (int o = 0; o < out; o++) {
        ws.output[n * out + o] = dot(w, b, x, n, o);
      }
    }
  }

  @Override
  protected void backwardPass(Workspace workspace, float[] g, int batch) {
    Ws ws = (Ws) workspace;
    if (ws.firstLayerSplit()) {
      System.arraycopy(g, 0, ws.firstLayerSplitGradients(), ws.firstLayerSplitSample() * out, batch * out);
      return;
    }
    float[][] grads = ws.gradients(); // fc.weight, fc.bias
    float[] w = weight();
    for (int n = 0; n < batch; n++) {
      for (int i = 0; i < in; i++) {
        float s = 0;
        for (int o = 0; o < out; o++) {
          s += g[n * out + o] * w[o * in + i];
        }
        ws.gradInput[n * in + i] = s;
      }
      for (int o = 0; o < out; o++) {
        float go = g[n * out + o];
        grads[1][o] += go;
        for (int i = 0; i < in; i++) {
          grads[0][o * in + i] += go * ws.input[n * in + i];
        }
      }
    }
    String poison = poisonGradient;
    if (poison != null) {
      float[] target = grads[poison.equals("fc.weight") ? 0 : 1];
      target[poisonIndex >= 0 ? poisonIndex : target.length + poisonIndex] = poisonValue;
    }
  }
}
