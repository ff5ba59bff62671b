package dev.kiln.samples;

import dev.kiln.runtime.metrics.ConfusionMatrix;
import dev.kiln.runtime.train.TrainingHistory;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws a training run as one PNG a person can read at a glance: the loss and the accuracy per epoch (training and
 * test curves) side by side, and below them the test set's confusion matrix as a heat map with counts, class names,
 * and each class's recall. Java 2D in headless mode and {@link ImageIO}, so it needs the JDK alone (and a font, which
 * every JDK install finds; without one the caller gets an exception and can skip the chart).
 */
public final class TrainingChart {
  static final int WIDTH = 1400;
  static final int HEIGHT = 1130;
  static final Color TRAIN = new Color(0x1f77b4);
  static final Color TEST = new Color(0xd62728);
  private static final Color GRID = new Color(0xe3e3e3);
  private static final Color AXIS = new Color(0x444444);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 22);
  private static final Font HEADING = new Font(Font.SANS_SERIF, Font.BOLD, 16);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private TrainingChart() {}

  /**
   * Writes the chart to {@code path} as a PNG, through a temporary file so a reader never sees half an image.
   *
   * @param title the first line, e.g. the network and data set
   * @param subtitle the second line, e.g. the recipe and the final accuracy
   */
  public static void write(Path path, String title, String subtitle, TrainingHistory history,
      ConfusionMatrix confusion) throws IOException {
    // Headless: no display is needed (CI, servers); set before the first AWT class initialises its toolkit.
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = render(title, subtitle, history, confusion);
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
    try {
      if (!ImageIO.write(image, "png", tmp.toFile())) {
        throw new IOException("this JDK has no PNG writer");
      }
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The chart as an image of {@value #WIDTH} x {@value #HEIGHT} pixels. */
  public static BufferedImage render(String title, String subtitle, TrainingHistory history,
      ConfusionMatrix confusion) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setColor(Color.BLACK);
      g.setFont(TITLE);
      g.drawString(title, 40, 40);
      g.setFont(LABEL);
      g.setColor(AXIS);
      g.drawString(subtitle, 40, 64);

      double[] trainAcc = percent(history.trainAccuracy());
      double[] testAcc = percent(history.validationAccuracy());
      lineChart(g, 40, 90, 640, 380, "Loss (softmax cross-entropy)", "%.2f",
          history.trainLoss(), history.validationLoss());
      lineChart(g, 720, 90, 640, 380, "Accuracy (%)", "%.0f", trainAcc, testAcc);
      confusionMatrix(g, 40, 520, confusion);
    } finally {
      g.dispose();
    }
    return image;
  }

  private static double[] percent(double[] v) {
    double[] p = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      p[i] = 100 * v[i];
    }
    return p;
  }

  /** A framed plot of two series over epochs 1..n, with a legend; NaN points are left out. */
  private static void lineChart(Graphics2D g, int x, int y, int w, int h, String title, String yFormat,
      double[] train, double[] test) {
    g.setFont(HEADING);
    g.setColor(Color.BLACK);
    g.drawString(title, x, y + 16);
    int left = x + 60;
    int top = y + 34;
    int right = x + w - 10;
    int bottom = y + h - 40;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] s : new double[][] {train, test}) {
      for (double v : s) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!(lo <= hi)) {
      lo = 0;
      hi = 1;
    }
    double pad = Math.max((hi - lo) * 0.08, Math.abs(hi) * 0.01 + 1e-6);
    double step = niceStep(hi - lo + 2 * pad, 6);
    double yMin = Math.floor((lo - pad) / step) * step;
    double yMax = Math.ceil((hi + pad) / step) * step;
    int n = Math.max(train.length, test.length);
    // One epoch still gets a visible axis: the points sit in the middle of [0.5, 1.5].
    double xMin = n == 1 ? 0.5 : 1;
    double xMax = n == 1 ? 1.5 : n;

    g.setFont(SMALL);
    FontMetrics fm = g.getFontMetrics();
    for (double t = yMin; t <= yMax + step / 2; t += step) {
      int py = (int) Math.round(bottom - (t - yMin) / (yMax - yMin) * (bottom - top));
      g.setColor(GRID);
      g.drawLine(left, py, right, py);
      g.setColor(AXIS);
      String s = String.format(Locale.ROOT, yFormat, t);
      g.drawString(s, left - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
    }
    int xStep = Math.max(1, (int) Math.ceil(n / 10.0));
    for (int e = 1; e <= n; e += xStep) {
      int px = px(e, xMin, xMax, left, right);
      g.setColor(GRID);
      g.drawLine(px, top, px, bottom);
      g.setColor(AXIS);
      String s = Integer.toString(e);
      g.drawString(s, px - fm.stringWidth(s) / 2, bottom + fm.getAscent() + 4);
    }
    g.setColor(AXIS);
    g.drawRect(left, top, right - left, bottom - top);
    g.setFont(LABEL);
    String xl = "epoch";
    g.drawString(xl, (left + right) / 2 - g.getFontMetrics().stringWidth(xl) / 2, bottom + 34);

    series(g, train, TRAIN, xMin, xMax, yMin, yMax, left, right, top, bottom);
    series(g, test, TEST, xMin, xMax, yMin, yMax, left, right, top, bottom);

    // Legend, top right inside the frame, with each series' last value: the number a reader looks for.
    String[] names = {"train " + last(train, yFormat), "test " + last(test, yFormat)};
    Color[] colors = {TRAIN, TEST};
    g.setFont(LABEL);
    fm = g.getFontMetrics();
    int lw = Math.max(fm.stringWidth(names[0]), fm.stringWidth(names[1])) + 44;
    int lx = right - lw - 10;
    // Top right unless the curves pass there (accuracy rises into that corner): then bottom right.
    int ly = crowded(train, test, xMin, xMax, yMin, yMax, left, right, top, bottom, lx, top + 10, lw, 50)
        ? bottom - 60 : top + 10;
    g.setColor(new Color(255, 255, 255, 230));
    g.fillRect(lx, ly, lw, 50);
    g.setColor(GRID);
    g.drawRect(lx, ly, lw, 50);
    for (int i = 0; i < 2; i++) {
      int yy = ly + 18 + 22 * i;
      g.setColor(colors[i]);
      g.setStroke(new BasicStroke(3f));
      g.drawLine(lx + 8, yy - 4, lx + 30, yy - 4);
      g.setStroke(new BasicStroke(1f));
      g.setColor(Color.BLACK);
      g.drawString(names[i], lx + 36, yy);
    }
  }

  /** Whether any point of either series falls inside the box (x, y, w, h), with a margin. */
  private static boolean crowded(double[] a, double[] b, double xMin, double xMax, double yMin, double yMax, int left,
      int right, int top, int bottom, int x, int y, int w, int h) {
    for (double[] s : new double[][] {a, b}) {
      for (int i = 0; i < s.length; i++) {
        if (Double.isFinite(s[i])) {
          int px = px(i + 1, xMin, xMax, left, right);
          double py = bottom - (s[i] - yMin) / (yMax - yMin) * (bottom - top);
          if (px >= x - 12 && px <= x + w + 12 && py >= y - 12 && py <= y + h + 12) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static String last(double[] s, String format) {
    for (int i = s.length - 1; i >= 0; i--) {
      if (Double.isFinite(s[i])) {
        return String.format(Locale.ROOT, format.replace(".0f", ".1f").replace(".2f", ".3f"), s[i]);
      }
    }
    return "-";
  }

  private static void series(Graphics2D g, double[] s, Color color, double xMin, double xMax, double yMin,
      double yMax, int left, int right, int top, int bottom) {
    g.setColor(color);
    g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    Path2D.Double path = new Path2D.Double();
    boolean started = false;
    for (int i = 0; i < s.length; i++) {
      if (!Double.isFinite(s[i])) {
        started = false;
        continue;
      }
      double px = px(i + 1, xMin, xMax, left, right);
      double py = bottom - (s[i] - yMin) / (yMax - yMin) * (bottom - top);
      if (started) {
        path.lineTo(px, py);
      } else {
        path.moveTo(px, py);
        started = true;
      }
      g.fillOval((int) Math.round(px) - 4, (int) Math.round(py) - 4, 8, 8);
    }
    g.draw(path);
    g.setStroke(new BasicStroke(1f));
  }

  private static int px(double epoch, double xMin, double xMax, int left, int right) {
    return (int) Math.round(left + (epoch - xMin) / (xMax - xMin) * (right - left));
  }

  /** A round step (1, 2 or 5 times a power of ten) giving at most about {@code ticks} ticks over {@code range}. */
  static double niceStep(double range, int ticks) {
    double raw = range / ticks;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  }

  /**
   * The matrix, actual classes down and predicted classes across; each cell's shade is its share of the row (so the
   * diagonal reads as per-class recall whatever the class sizes), with its count written in it.
   */
  private static void confusionMatrix(Graphics2D g, int x, int y, ConfusionMatrix cm) {
    int k = cm.numClasses();
    List<String> names = cm.classNames();
    int cell = Math.min(44, 440 / k);
    g.setFont(HEADING);
    g.setColor(Color.BLACK);
    g.drawString(String.format(Locale.ROOT, "Confusion matrix on %d test images (accuracy %.2f%%)", cm.total(),
        100 * cm.accuracy()), x, y + 16);
    g.setFont(LABEL);
    FontMetrics fm = g.getFontMetrics();
    int labelWidth = 0;
    for (String s : names) {
      labelWidth = Math.max(labelWidth, fm.stringWidth(s));
    }
    int left = x + 40 + labelWidth + 10;
    int top = y + 44;
    for (int a = 0; a < k; a++) {
      long support = cm.support(a);
      for (int p = 0; p < k; p++) {
        long c = cm.count(a, p);
        double share = support == 0 ? 0 : (double) c / support;
        g.setColor(shade(share, a == p));
        g.fillRect(left + p * cell, top + a * cell, cell, cell);
        if (c > 0) {
          String s = Long.toString(c);
          g.setFont(s.length() > 3 ? SMALL : LABEL);
          FontMetrics cf = g.getFontMetrics();
          g.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
          g.drawString(s, left + p * cell + (cell - cf.stringWidth(s)) / 2,
              top + a * cell + (cell + cf.getAscent()) / 2 - 2);
        }
      }
      g.setFont(LABEL);
      g.setColor(Color.BLACK);
      String name = names.get(a);
      g.drawString(name, left - 8 - fm.stringWidth(name), top + a * cell + (cell + fm.getAscent()) / 2 - 2);
    }
    g.setColor(AXIS);
    g.drawRect(left, top, k * cell, k * cell);
    // Column names, turned 45 degrees so long ones ("Ankle boot") do not collide.
    for (int p = 0; p < k; p++) {
      AffineTransform saved = g.getTransform();
      g.translate(left + p * cell + cell / 2.0 + 4, top + k * cell + 10);
      g.rotate(Math.toRadians(40));
      g.setColor(Color.BLACK);
      g.drawString(names.get(p), 0, 0);
      g.setTransform(saved);
    }
    // Axis titles.
    g.setFont(HEADING);
    g.drawString("predicted", left + k * cell / 2 - 36, top + k * cell + 100);
    AffineTransform saved = g.getTransform();
    g.translate(x + 16, top + k * cell / 2.0 + 24);
    g.rotate(-Math.PI / 2);
    g.drawString("actual", 0, 0);
    g.setTransform(saved);

    // Per-class recall and precision as bars beside the matrix: where the model struggles, in one look.
    int bx = left + k * cell + 110;
    int barMax = 300;
    g.setFont(HEADING);
    g.drawString("per class", bx, top - 14);
    g.setFont(LABEL);
    for (int a = 0; a < k; a++) {
      int yy = top + a * cell;
      double recall = cm.recall(a);
      double precision = cm.precision(a);
      g.setColor(GRID);
      g.fillRect(bx, yy + 8, barMax, 12);
      g.fillRect(bx, yy + 24, barMax, 12);
      g.setColor(TRAIN);
      g.fillRect(bx, yy + 8, (int) Math.round(barMax * recall), 12);
      g.setColor(new Color(0x2ca02c));
      g.fillRect(bx, yy + 24, (int) Math.round(barMax * precision), 12);
      g.setColor(Color.BLACK);
      g.setFont(SMALL);
      g.drawString(String.format(Locale.ROOT, "recall %.1f%%", 100 * recall), bx + barMax + 10, yy + 19);
      g.drawString(String.format(Locale.ROOT, "precision %.1f%%", 100 * precision), bx + barMax + 10, yy + 35);
      g.drawString(names.get(a), bx + barMax + 130, yy + 27);
    }
  }

  /** White to dark blue by share; off-diagonal cells in red, so confusions stand out from correct answers. */
  private static Color shade(double share, boolean diagonal) {
    double t = Math.sqrt(Math.max(0, Math.min(1, share))); // sqrt: small confusions (2-5%) stay visible
    Color full = diagonal ? new Color(0x08306b) : new Color(0xb2182b);
    int r = (int) Math.round(255 + (full.getRed() - 255) * t);
    int gg = (int) Math.round(255 + (full.getGreen() - 255) * t);
    int b = (int) Math.round(255 + (full.getBlue() - 255) * t);
    return new Color(r, gg, b);
  }
}
