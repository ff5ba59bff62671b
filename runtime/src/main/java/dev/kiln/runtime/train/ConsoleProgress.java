package dev.kiln.runtime.train;

import java.io.PrintStream;

/**
 * Prints training progress: on a terminal, a progress bar redrawn in place during each epoch (loss, accuracy,
 * images per second, time left), and one table line per epoch. Off a terminal (a log file, CI), only the table
 * lines, since carriage-return redraws turn into thousands of log lines.
 *
 * <pre>
 * epoch 3/10 [==========&gt;          ] 372/750  loss 0.4123  acc 85.1%  9120 img/s  ETA 1:02
 * epoch  train loss  train acc  val loss   val acc     time    img/s
 *     1      0.6032      78.4%    0.4711     83.2%     4.2s    11702  *
 * </pre>
 *
 * A {@code *} marks an epoch that improved the monitored quantity.
 */
public final class ConsoleProgress implements TrainingListener {
  private static final int BAR = 30;
  /** Redraws at most this often: drawing every batch of a fast model would cost more than the batch. */
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final boolean bar;
  private int epochs;
  private long lastDraw;
  private int lastWidth;

  /** To standard output, with a bar when it is a terminal. */
  public ConsoleProgress() {
    this(System.out, System.console() != null);
  }

  /** @param bar whether to draw the in-place progress bar */
  public ConsoleProgress(PrintStream out, boolean bar) {
    this.out = out;
    this.bar = bar;
  }

  @Override
  public void onTrainingStart(TrainingPlan plan) {
    epochs = plan.epochs();
    out.printf("training on %d samples%s: up to %d epochs of %d batches of %d%s%n", plan.trainSize(),
        plan.validationSize() > 0 ? ", validating on " + plan.validationSize() : "", plan.epochs(),
        plan.batchesPerEpoch(), plan.batchSize(), plan.threads() > 1 ? ", " + plan.threads() + " threads" : "");
    out.println(tableHeader());
    out.flush();
  }

  @Override
  public void onBatchEnd(BatchProgress p) {
    if (!bar) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < REDRAW_NANOS && p.batch() != p.batchesPerEpoch()) {
      return;
    }
    lastDraw = now;
    int filled = (int) ((long) BAR * p.batch() / p.batchesPerEpoch());
    StringBuilder sb = new StringBuilder(120).append('\r');
    sb.append("epoch ").append(p.epoch()).append('/').append(p.epochs()).append(" [");
    for (int i = 0; i < BAR; i++) {
      sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    sb.append("] ").append(p.batch()).append('/').append(p.batchesPerEpoch());
    sb.append(String.format("  loss %.4f", p.meanLoss()));
    if (!Double.isNaN(p.accuracy())) {
      sb.append(String.format("  acc %.1f%%", 100 * p.accuracy()));
    }
    sb.append(String.format("  %.0f img/s  ETA %s", p.samplesPerSecond(), duration(p.etaSeconds())));
    int width = sb.length();
    for (int i = width; i < lastWidth; i++) {
      sb.append(' '); // blank out the rest of a longer previous line
    }
    lastWidth = width;
    out.print(sb);
    out.flush();
  }

  @Override
  public void onEpochEnd(EpochResult r) {
    if (bar && lastWidth > 0) {
      out.print('\r' + " ".repeat(lastWidth) + '\r');
      lastWidth = 0;
    }
    out.println(tableRow(r, epochs) + (r.improved() ? "  *" : ""));
    out.flush();
  }

  @Override
  public void onTrainingEnd(TrainingHistory h) {
    out.printf("done: %d epochs in %s%s; best epoch %d (%s)%s%n", h.epochCount(), duration(h.seconds()),
        h.stoppedEarly() ? ", stopped early" : "", h.bestEpoch(), h.monitor().name().toLowerCase(),
        h.restoredBest() ? ", its weights restored" : "");
    out.flush();
  }

  static String tableHeader() {
    return String.format("%5s  %10s  %9s  %9s  %8s  %7s  %7s", "epoch", "train loss", "train acc", "val loss",
        "val acc", "time", "img/s");
  }

  static String tableRow(EpochResult r, int epochs) {
    return String.format("%5d  %10s  %9s  %9s  %8s  %7s  %7.0f", r.epoch(), number(r.trainLoss()),
        percent(r.trainAccuracy()), number(r.validationLoss()), percent(r.validationAccuracy()),
        duration(r.seconds()), r.samplesPerSecond());
  }

  private static String number(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.4f", v);
  }

  private static String percent(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.2f%%", 100 * v);
  }

  /** {@code 4.2s} under a minute, else {@code 1:02} or {@code 1:02:03}. */
  static String duration(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      return "?";
    }
    if (seconds < 60) {
      return String.format("%.1fs", seconds);
    }
    long s = Math.round(seconds);
    return s < 3600 ? String.format("%d:%02d", s / 60, s % 60)
        : String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
}
