package dev.kiln.processor.model;

import dev.kiln.annotations.Init;

/** A grouped 2-D convolution; {@code groups} divides both the input channels and the filters. */
public record ConvModel(
    String name,
    TensorShape input,
    TensorShape output,
    int filters,
    Window window,
    int groups,
    boolean bias,
    ActivationModel activation,
    Init init)
    implements LayerModel, FusedActivation {
  public ConvModel {
    if (input.channels() % groups != 0 || filters % groups != 0) {
      throw new IllegalArgumentException("groups must divide channels and filters");
    }
  }

  /** Input channels each filter sees. */
  public int channelsPerGroup() {
    return input.channels() / groups;
  }

  /** Values one output position of one group sees: {@code channels / groups * kh * kw}. */
  public static int rowLength(ConvModel c) {
    return c.channelsPerGroup() * c.window().kh() * c.window().kw();
  }

  public int filtersPerGroup() {
    return filters / groups;
  }

  /** Whether the layer pads its input; its kernels then read a zero-bordered copy of each sample's group. */
  public boolean padded() {
    return window.ph() > 0 || window.pw() > 0;
  }

  /** Height of the image the kernels' window copies read: the input plus its padding on both sides. */
  public int sourceHeight() {
    return input.height() + 2 * window.ph();
  }

  /** Width of the image the kernels' window copies read: the input plus its padding on both sides. */
  public int sourceWidth() {
    return input.width() + 2 * window.pw();
  }

  /** Size of the zero-bordered copy of one sample's group; 0 when the layer has no padding. */
  public int paddedCopySize() {
    return padded() ? channelsPerGroup() * sourceHeight() * sourceWidth() : 0;
  }

  /**
   * Whether the opt-in Vector API backend runs this layer's backward pass on the wide grid: output position
   * {@code (oh, ow)} numbered {@code oh * sourceWidth + ow}, so that each kernel tap reads one contiguous run of the
   * source image and no im2row copy is needed. That takes stride 1 both ways. It also takes few filters (at most
   * eight per group): the wide-grid kernels do every product, where the default backward lists the non-zero output
   * gradients (after a ReLU and a max pool, about a quarter) but first copies every position's window, a cost
   * shared by the group's filters. Measured on LeNet-5 at batch 64: the first convolution (6 filters, 25 taps)
   * 1.85 ms default against 0.6 ms on the wide grid; the second (16 filters, 150 taps) 2.3 ms against 2.8 ms. (Both
   * before the default learned {@link #directWeightGradient}; then the whole LeNet-5 training step, min of 1,500,
   * measured 5.7-6.2 ms with the wide grid for the first convolution against 6.1-6.6 ms without.) A layer whose
   * weight gradient the default sums directly runs the default backward instead: since that lists the values and
   * window starts straight from the pool's winners, the Vector API build's LeNet-5 backward pass measured 1,796-1,855
   * µs that way against 1,952-2,040 µs on the wide grid (median of 4,000 steps, three JVMs each, alternating), and
   * its forward pass no longer stores the whole output for the wide grid's sake.
   */
  public boolean wideGrid() {
    return window.sh() == 1 && window.sw() == 1 && filtersPerGroup() <= 8 && !directWeightGradient();
  }

  /** Positions of one filter's output on the wide grid: {@code (outHeight - 1) * sourceWidth + outWidth}. */
  public int widePositions() {
    return (output.height() - 1) * sourceWidth() + output.width();
  }

  /**
   * Whether the default backward pass sums the weight gradient straight from the source image instead of from
   * im2row rows: for each kernel row (channel, tap row) it keeps one sum per tap of that row in locals while it
   * walks the listed positions (those with a non-zero output gradient). Scalar, but it skips the copy of every
   * position's window, which costs more than the products when the window is small and few positions are listed.
   * Measured on LeNet-5's training step at batch 64 (min of 1,500 steps, three JVMs each): the first convolution
   * (25 taps) summed directly, 6.0-6.3 ms against 6.6-6.8 ms from rows; the second (150 taps) as well, 6.5-6.7 ms:
   * with long windows the rows' vectorised updates win.
   */
  public boolean directWeightGradient() {
    return rowLength(this) <= DIRECT_TAPS;
  }

  /** Largest window (taps per filter, one group) whose weight gradient {@link #directWeightGradient} sums directly. */
  static final int DIRECT_TAPS = 32;

  /**
   * Whether each window one output column to the right is the previous one moved on by one tap: the horizontal
   * stride equals the horizontal dilation, with at least two kernel columns and two output columns. The generated
   * im2row, im2col and input gradient then move rows along instead of copying every value (see ConvCode).
   */
  public boolean shiftsRows() {
    return window.sw() == window.dw() && window.kw() >= 2 && output.width() >= 2;
  }

  /**
   * Whether the im2col columns are cut from rows a kernel column's taps share ({@code ConvCode.columnsMethod}): with
   * stride and dilation 1, the columns of the taps of one channel and kernel column are one array of the source's
   * rows, each {@code outputWidth} values long, read from a kernel row further down for each tap below the first. C2
   * (JDK 17) vectorises a pass only over rows read at the offset its sums are stored at (or a whole vector from it), so
   * the taps below the first kernel row still get columns of their own, but each is one copy from the shared rows
   * rather than a copy per output row.
   */
  public boolean sharedRowColumns() {
    return window.sh() == 1 && window.sw() == 1 && window.dh() == 1 && window.dw() == 1 && window.kh() > 1;
  }

  /**
   * Floats the column rows hold past a group's columns for {@link #sharedRowColumns}: the shared rows of the group's
   * last sample run {@code kh - 1} output rows further, rounded up to whole cache lines (16 floats) so that every row
   * of the workspace's matrices still starts at the same place in a line ({@code Packing.rows}).
   */
  public int sharedRowSlack() {
    if (!sharedRowColumns()) {
      return 0;
    }
    int extra = (window.kh() - 1) * output.width();
    return extra + Math.floorMod(-extra, 16);
  }

  /** Output positions of one filter for one sample. */
  public int positions() {
    return output.height() * output.width();
  }

  /**
   * Whether, where its positions are in quadrant order ({@code LayerPlan.quadrantOrder}), the default build lays a
   * group's columns out quadrant by quadrant with the group's samples side by side within each quadrant ({@code
   * ConvCode.groupQuadrantColumnsMethod}), rather than sample by sample, and pools the group in one call: where several
   * samples go side by side ({@link #samplesPerPass}) and the layer reads its input in place (no padding, whose
   * scratch image holds one sample at a time).
   */
  public boolean quadrantsHoldGroups() {
    return samplesPerPass() > 1 && !padded();
  }

  /**
   * Samples whose tap blocks the default build's inference builds at once ({@link #tapBlocks}): four times {@link
   * #samplesPerPass}, so that one quadrant of them holds as many positions as a pass of the columns, the length the
   * forward passes are written for (four samples for LeNet-5's first convolution, sixteen for its second).
   */
  public int tapBlockSamples() {
    return 4 * samplesPerPass();
  }

  /**
   * Blocks of one channel's taps for {@link #tapBlocks}: one per row offset {@code a + kh} and column offset {@code b
   * + kw} a quadrant {@code (a, b)}'s tap {@code (kh, kw)} reads the image at, {@code (kh + 1) * (kw + 1)} of them
   * (36 for a 5x5 kernel, against 100 quadrant blocks of im2col columns).
   */
  public int tapBlocksPerChannel() {
    return (window.kh() + 1) * (window.kw() + 1);
  }

  /** The most floats a layer's tap blocks may hold ({@link #tapBlocks}): 384 KiB, within a 512 KiB L2. */
  static final int TAP_BLOCK_FLOATS = 98_304;

  /**
   * Whether, where its positions are in quadrant order ({@code LayerPlan.quadrantOrder}), the default build's
   * inference reads this layer's taps from blocks that several taps share ({@code ConvCode.tapBlocksMethod}) instead
   * of im2col columns: a quadrant {@code (a, b)}'s tap {@code (kh, kw)} reads the image's rows {@code 2r + a + kh} and
   * columns {@code 2c + b + kw}, so the taps and quadrants with the same {@code a + kh} and {@code b + kw} read the same
   * values, and {@link #tapBlockSamples} samples' blocks side by side, one quadrant at a time, make rows as long as a
   * pass of the columns. LeNet-5's first convolution copies 36 blocks of 784 floats for four samples instead of 100
   * columns of 784: its batch-64 forward pass 0.90 of the time (the same bits). Without groups, and with the blocks
   * within {@link #TAP_BLOCK_FLOATS}.
   */
  public boolean tapBlocks() {
    return groups == 1
        && (long) input.channels() * tapBlocksPerChannel() * samplesPerPass() * positions() <= TAP_BLOCK_FLOATS;
  }

  /**
   * The fewest positions one sample's quadrant must hold for {@link #oneSampleTapBlocks}: passes over shorter rows pay
   * their loop's start and tail too often (a quadrant of LeNet-5's second convolution holds 25).
   */
  static final int ONE_SAMPLE_QUADRANT_POSITIONS = 128;

  /**
   * Whether the default build's forward pass takes the samples a batch's whole groups leave ({@link
   * #tapBlockSamples}; batch 1 is all such) one at a time from their own tap blocks too, instead of from im2col
   * columns: where the layer has tap blocks, lays one sample's columns out alone ({@link #samplesPerPass} of one) and
   * a quadrant of one sample is at least {@link #ONE_SAMPLE_QUADRANT_POSITIONS} long. The passes then run over one
   * quadrant (196 positions for LeNet-5's first convolution, against the columns' 784), but the sample's blocks are
   * about a third of its columns (36 blocks of 196 floats, 28 KB, against 25 columns of 784, 78 KB: within L1) and
   * take half the time to copy. LeNet-5's first convolution at batch 1: 6.95 against 8.08 µs (scratch harness with a
   * timer around each layer; copies 1.53 against 3.08 µs, products 4.50 against 3.34, pool 0.80 against 1.18). The
   * same bits: every sum starts from the bias and adds its products in tap order, three taps a pass, as over the
   * columns.
   */
  public boolean oneSampleTapBlocks() {
    return tapBlocks() && samplesPerPass() == 1 && positions() / 4 >= ONE_SAMPLE_QUADRANT_POSITIONS;
  }

  /**
   * Samples whose im2col columns the forward pass lays side by side, so that each pass over an accumulator row is
   * long enough to amortise the loop's start and tail (measured on LeNet-5's 10x10 second convolution: four samples,
   * 400 positions, 1.6x the speed of one sample at a time). At most eight, and the columns stay within 256 KiB (L2).
   */
  public int samplesPerPass() {
    int wanted = Math.max(1, Math.min(8, (400 + positions() - 1) / positions()));
    int fit = Math.max(1, 65_536 / (rowLength(this) * positions()));
    return Math.min(wanted, fit);
  }

  /**
   * Filters whose accumulator rows the forward pass updates together from each group of eight column rows, chosen so
   * that those rows stay in L1 (32 KiB): the column rows are then read once per block of filters, not once per
   * filter.
   */
  public int filtersPerPass() {
    return Math.max(1, Math.min(filtersPerGroup(), 8192 / (samplesPerPass() * positions())));
  }

  @Override
  public String viewType() {
    return "ConvLayer";
  }

  @Override
  public String describe() {
    return "Conv " + filters + "@" + window.describe()
        + (groups == 1 ? "" : " groups " + groups)
        + (bias ? "" : " no bias")
        + (activation.isIdentity() ? "" : ", " + activation.describe());
  }
}
