package dev.kiln.runtime.io;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Parameter;
import dev.kiln.runtime.Shape;
import dev.kiln.runtime.Workspace;
import dev.kiln.runtime.init.WeightInit;
import dev.kiln.runtime.layer.DenseLayer;
import dev.kiln.runtime.layer.Layer;
import java.util.Arrays;
import java.util.List;

/**
 * A hand-written stand-in for a generated network, for the I/O tests: {@code fc1} (dense 3 to 4), dropout with
 * p = 0.25 in training, a layer {@code bn} holding only buffers (a running mean and PyTorch's int64
 * {@code num_batches_tracked}), then {@code fc2} (dense 4 to 2). Small, but its passes are real so training can be
 * checkpointed and resumed, and its state has every kind of tensor a file must carry.
 */
final class TinyNet extends Model {
  static final int IN = 3;
  static final int HIDDEN = 4;
  static final int OUT = 2;

  /** A layer view with buffers only, like a batch norm's statistics. */
  static final class StatsLayer extends Layer {
    StatsLayer(String name, List<Parameter> parameters) {
      super(name, "running statistics", Shape.of(HIDDEN), Shape.of(HIDDEN), parameters, 0, 1);
    }
  }

  TinyNet(long seed) {
    this(seed, "fc1", "fc2");
  }

  /** A variant with other layer names, to build files that do not fit. */
  TinyNet(long seed, String first, String second) {
    this(seed, first, second, HIDDEN);
  }

  /** A variant with another hidden width, for shape mismatches. */
  TinyNet(long seed, String first, String second, int hidden) {
    super("TinyNet", Shape.of(IN), Shape.of(OUT), seed, layers(first, second, hidden));
  }

  private static List<Layer> layers(String first, String second, int hidden) {
    Layer fc1 = new DenseLayer(first, "Dense " + hidden, Shape.of(IN), Shape.of(hidden),
        List.of(Parameter.weight(first + ".weight", new int[] {hidden, IN}, IN, hidden, WeightInit.GLOROT_UNIFORM),
            Parameter.bias(first + ".bias", new int[] {hidden})),
        (long) IN * hidden, 0);
    Layer bn = new StatsLayer("bn", List.of(
        Parameter.buffer("bn.running_mean", new int[] {hidden}, 0f),
        Parameter.buffer("bn.num_batches_tracked", new int[0], 0f)));
    Layer fc2 = new DenseLayer(second, "Dense " + OUT, Shape.of(hidden), Shape.of(OUT),
        List.of(Parameter.weight(second + ".weight", new int[] {OUT, hidden}, hidden, OUT, WeightInit.GLOROT_UNIFORM),
            Parameter.bias(second + ".bias", new int[] {OUT})),
        (long) hidden * OUT, 0);
    return List.of(fc1, bn, fc2);
  }

  /** Every value of the state, concatenated: what "the weights are unchanged" compares. */
  float[][] snapshot() {
    return state().stream().map(p -> p.value().clone()).toArray(float[][]::new);
  }

  private float[] v(int index) {
    return state().get(index).value();
  }

  static final class Ws extends Workspace {
    final float[] hidden;
    final float[] mask;
    final float[] out;
    final float[] gradHidden;
    final float[] gradIn;

    Ws(Model model, int maxBatch, boolean privateGradients) {
      super(model, maxBatch, privateGradients);
      hidden = new float[maxBatch * HIDDEN];
      mask = new float[maxBatch * HIDDEN];
      out = new float[maxBatch * OUT];
      gradHidden = new float[maxBatch * HIDDEN];
      gradIn = new float[maxBatch * IN];
    }

    float[] input;

    @Override
    public float[] output() {
      return out;
    }

    @Override
    public float[] inputGradient() {
      return gradIn;
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
    float[] w1 = v(0), b1 = v(1), mean = v(2), count = v(3), w2 = v(4), b2 = v(5);
    for (int n = 0; n < batch; n++) {
      for (int j = 0; j < HIDDEN; j++) {
        float s = b1[j];
        for (int i = 0; i < IN; i++) {
          s += w1[j * IN + i] * x[n * IN + i];
        }
        float m = 1f;
        if (training) {
          m = ws.rng().nextFloat() < 0.25f ? 0f : 1f / 0.75f;
        }
        ws.mask[n * HIDDEN + j] = m;
        ws.hidden[n * HIDDEN + j] = s * m;
      }
    }
    if (training) {
      for (int j = 0; j < HIDDEN; j++) {
        float batchMean = 0;
        for (int n = 0; n < batch; n++) {
          batchMean += ws.hidden[n * HIDDEN + j] / batch;
        }
        mean[j] = 0.9f * mean[j] + 0.1f * batchMean;
      }
      count[0] += 1;
    }
    for (int n = 0; n < batch; n++) {
      for (int k = 0; k < OUT; k++) {
        float s = b2[k];
        for (int j = 0; j < HIDDEN; j++) {
          s += w2[k * HIDDEN + j] * ws.hidden[n * HIDDEN + j];
        }
        ws.out[n * OUT + k] = s;
      }
    }
  }

  @Override
  protected void backwardPass(Workspace workspace, float[] gradOut, int batch) {
    Ws ws = (Ws) workspace;
    float[][] g = ws.gradients(); // fc1.weight, fc1.bias, fc2.weight, fc2.bias
    float[] w1 = v(0), w2 = v(4);
    Arrays.fill(ws.gradHidden, 0f);
    Arrays.fill(ws.gradIn, 0f);
    for (int n = 0; n < batch; n++) {
      for (int k = 0; k < OUT; k++) {
        float go = gradOut[n * OUT + k];
        g[3][k] += go;
        for (int j = 0; j < HIDDEN; j++) {
          g[2][k * HIDDEN + j] += go * ws.hidden[n * HIDDEN + j];
          ws.gradHidden[n * HIDDEN + j] += go * w2[k * HIDDEN + j];
        }
      }
      for (int j = 0; j < HIDDEN; j++) {
        float gh = ws.gradHidden[n * HIDDEN + j] * ws.mask[n * HIDDEN + j];
        g[1][j] += gh;
        for (int i = 0; i < IN; i++) {
          g[0][j * IN + i] += gh * ws.input[n * IN + i];
          ws.gradIn[n * IN + i] += gh * w1[j * IN + i];
        }
      }
    }
  }
}
