package dev.kiln.runtime.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The trials of a search, in the order they ran and ranked best first by their validation metric (failed trials
 * last; ties keep run order). {@link #toString()} is the results table.
 */
public final class SearchResult {
  private final List<Dimension> dimensions;
  private final List<Trial> trials;
  private final List<Trial> ranked;
  private final boolean maximize;
  private final String metricName;

  SearchResult(List<Dimension> dimensions, List<Trial> trials, boolean maximize, String metricName) {
    this.dimensions = List.copyOf(dimensions);
    this.trials = List.copyOf(trials);
    this.maximize = maximize;
    this.metricName = metricName;
    Comparator<Trial> byMetric = Comparator.comparingDouble(Trial::metric);
    if (maximize) {
      byMetric = byMetric.reversed();
    }
    List<Trial> r = new ArrayList<>(trials);
    // List.sort is stable, so equal metrics keep their run order.
    r.sort(Comparator.comparing(Trial::failed).thenComparing(byMetric));
    this.ranked = List.copyOf(r);
  }

  /** The trials in the order they ran. */
  public List<Trial> trials() {
    return trials;
  }

  /** The trials best first; failed ones last. */
  public List<Trial> ranked() {
    return ranked;
  }

  /** The best trial. */
  public Trial best() {
    Trial b = ranked.get(0);
    if (b.failed()) {
      throw new IllegalStateException("every trial failed; the first failure: " + b.failure(), b.failure());
    }
    return b;
  }

  /** The best trial's hyper-parameters. */
  public Params bestParams() {
    return best().params();
  }

  public boolean maximize() {
    return maximize;
  }

  /** The ranked table: rank, trial number, every hyper-parameter, the metric and the time. */
  @Override
  public String toString() {
    List<String[]> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("rank", "trial"));
    for (Dimension d : dimensions) {
      header.add(d.name());
    }
    header.add(metricName + (maximize ? " (max)" : " (min)"));
    header.add("time");
    rows.add(header.toArray(new String[0]));
    int rank = 0;
    for (Trial t : ranked) {
      List<String> row = new ArrayList<>();
      row.add(t.failed() ? "-" : Integer.toString(++rank));
      row.add(Integer.toString(t.number()));
      for (Dimension d : dimensions) {
        row.add(Params.format(t.params().asMap().get(d.name())));
      }
      row.add(t.failed() ? "failed: " + t.failure().getMessage() : formatMetric(t.metric()));
      row.add(String.format("%.1fs", t.seconds()));
      rows.add(row.toArray(new String[0]));
    }
    int[] widths = new int[header.size()];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        // The failure message may be long; it is the last-but-one column and need not set the width.
        if (!row[i].startsWith("failed: ")) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        if (i > 0) {
          sb.append("  ");
        }
        sb.append(row[i]).append(" ".repeat(Math.max(0, widths[i] - row[i].length())));
      }
      int end = sb.length();
      while (end > 0 && sb.charAt(end - 1) == ' ') {
        end--;
      }
      sb.setLength(end);
      sb.append('\n');
    }
    return sb.toString();
  }

  static String formatMetric(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.4f", v);
  }
}
