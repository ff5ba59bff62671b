package dev.kiln.processor.plan;

import dev.kiln.processor.model.ConvModel;
import dev.kiln.processor.model.FusedActivation;
import dev.kiln.processor.model.LayerModel;
import dev.kiln.processor.model.Window;

/**
 * Where one layer reads and writes. Buffer names are fields of the generated workspace, except {@link #INPUT}, the
 * caller's input array.
 *
 * @param input buffer holding the layer's input (the previous layer's output, or its sum with a residual)
 * @param output buffer the layer writes its (post-activation) output to
 * @param preActivation buffer for the value before a fused activation, or null when there is none
 * @param inputGrad buffer receiving the gradient for the layer's input
 * @param outputGrad buffer holding the gradient for the layer's output (for its sum with a residual, which is the
 *     same gradient)
 * @param argmax int buffer of a max pool's winning positions or a stochastic pool's picked ones, or null
 * @param noise per-value buffer of a dropout's mask or a randomized ReLU's slopes, or null
 * @param mean statistics buffer of a normalisation: per channel for a batch norm (not batch-sized), per sample and
 *     group for the others; or null
 * @param invStd the matching {@code 1 / sqrt(var + eps)}, or null
 * @param skip the residual added to this layer's output, or null
 * @param receptiveField input pixels per axis one output sees; 0 for all
 * @param poolInKernel on a convolution: the plan of the 2x2 max pool right after it, whose output (and in training
 *     its winners) the convolution's forward kernel writes from its accumulator rows while they are in L1 ({@link
 *     NetworkPlan#poolInKernel}); else null
 * @param pooledByProducer on that max pool: whether the convolution before it writes its output and winners
 * @param poolBackwardInKernel on a convolution with {@link #poolInKernel}: whether its backward kernel takes the
 *     pool's gradient straight from the pool's output gradient and winners ({@link NetworkPlan#poolBackwardInKernel});
 *     on that pool: whether its own backward is left to that kernel
 */
public record LayerPlan(
    LayerModel layer,
    String input,
    String output,
    String preActivation,
    String inputGrad,
    String outputGrad,
    String argmax,
    String noise,
    String mean,
    String invStd,
    Skip skip,
    long parameters,
    long multiplyAdds,
    int receptiveField,
    LayerPlan poolInKernel,
    boolean pooledByProducer,
    boolean poolBackwardInKernel) {
  public static final String INPUT = "input";
  public static final String INPUT_GRAD = "inputGrad";

  /**
   * A residual connection into this layer: forward writes {@code sum = output + source}; backward adds the sum's
   * gradient into {@code sourceGrad} once the layer after the source has written it.
   *
   * @param from the source's name ({@code "input"} for the network's input)
   * @param source buffer of the source's output (the value the layers after the source read)
   * @param sourceGrad buffer of the gradient for the source's output
   * @param sum buffer of this layer's output plus the source: what the next layer reads
   * @param savedGrad a copy of the sum's gradient taken before this layer's backward, which changes its output
   *     gradient in place (a fused activation); null when the output gradient stays intact
   */
  public record Skip(String from, String source, String sourceGrad, String sum, String savedGrad) {
    /** The buffer that holds the sum's gradient when the source's gradient is completed. */
    public String gradient(String outputGrad) {
      return savedGrad != null ? savedGrad : outputGrad;
    }
  }

  /**
   * Whether the layer's own kernel applies its activation (a fused activation with no pre-activation buffer): see
   * {@link NetworkPlan#activationInKernel}.
   */
  public boolean activationInKernel() {
    return layer instanceof FusedActivation f && !f.activation().isIdentity() && preActivation == null;
  }

  /** This plan with {@link #poolInKernel}, {@link #pooledByProducer} and {@link #poolBackwardInKernel} as given. */
  LayerPlan withPooling(LayerPlan pool, boolean pooled, boolean backwardInKernel) {
    return new LayerPlan(layer, input, output, preActivation, inputGrad, outputGrad, argmax, noise, mean, invStd, skip,
        parameters, multiplyAdds, receptiveField, pool, pooled, backwardInKernel);
  }

  /**
   * The least number of windows of a fused 2x2 max pool for which the default build lays a convolution's positions
   * out in {@link #quadrantOrder}: both of LeNet-5's convolutions (196 and 25 windows). On an AMD Zen 5 (AVX-512) the
   * second's quadrant order made batch 64 take 1.019 of the time in one comparison, and the threshold stood at 64; on
   * an AMD Zen 2 (AVX2) the build without it ran LeNet-5's batch 64 at about 1,400 µs in some JVMs and about 1,800 in
   * others (4 of 6), batch 1 at 28.8 or 34.3 µs, and the build with it at 1,391-1,424 and 28.1-28.3 µs in every JVM
   * (`SideBySide`, both orders); the training step the same within 1-2%.
   */
  public static final int QUADRANT_MIN_WINDOWS = 25;

  /**
   * Whether the default build's forward kernel of this convolution lays each sample's output positions out in
   * quadrant order: first the top-left corners of the fused 2x2 max pool's windows (row by row, as the pool's output),
   * then the top-right, the bottom-left and the bottom-right ones, so that the pool takes the maximum of four
   * contiguous blocks, a loop C2 vectorises, instead of gathering every window's four values with strides of two,
   * which it keeps scalar (LeNet-5's first pool was about 14% of its batch-64 inference). Only where nothing reads
   * the output in its own order: the pool is in the kernel and its backward too ({@link #poolBackwardInKernel}, the
   * winners recorded as positions in the usual order, and no output stored in the default build); and where the
   * window copies can move blocks from tap to tap: stride and dilation 1, an even output height and width, and at
   * least {@link #QUADRANT_MIN_WINDOWS} windows.
   */
  public boolean quadrantOrder() {
    if (!(layer instanceof ConvModel c) || poolInKernel == null || !poolBackwardInKernel) {
      return false;
    }
    Window w = c.window();
    int oh = c.output().height();
    int ow = c.output().width();
    return w.sh() == 1 && w.sw() == 1 && w.dh() == 1 && w.dw() == 1 && oh % 2 == 0 && ow % 2 == 0
        && (oh / 2) * (ow / 2) >= QUADRANT_MIN_WINDOWS;
  }

  /** Whether the output has a buffer of its own (false for a flatten, which aliases its input). */
  public boolean ownsOutput() {
    return !output.equals(input);
  }

  /** The buffer the next layer reads: the output, or its sum with the residual. */
  public String result() {
    return skip != null ? skip.sum() : output;
  }

  /** The layer's configuration in words, with its residual: {@code BatchNorm2d + input}. */
  public String description() {
    return layer.describe() + (skip != null ? " + " + skip.from() : "");
  }
}
