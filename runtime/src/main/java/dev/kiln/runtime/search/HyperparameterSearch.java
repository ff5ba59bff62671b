package dev.kiln.runtime.search;

import dev.kiln.runtime.Rng;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tries points of a {@link SearchSpace} with an {@link Objective} and ranks them by the metric it returns:
 *
 * <pre>{@code
 * SearchResult result = HyperparameterSearch.random(space, 20, 7)
 *     .maximize("val_acc")
 *     .progress(System.out)
 *     .run(p -> trainAndValidate(p.getDouble("lr"), p.getInt("batch")));
 * System.out.println(result);
 * }</pre>
 *
 * <p>Grid search visits every combination, the first dimension outermost; random search draws each point
 * independently from a generator seeded by the given seed, so a seed repeats the same points. Trials run one after
 * another: each usually trains a model that already uses the machine's threads. A trial that throws or returns NaN
 * or infinity is recorded as failed and ranked last, rather than ending a long search.
 */
public final class HyperparameterSearch {
  private final SearchSpace space;
  private final int trials;
  private final long seed;
  private final boolean grid;
  private boolean maximize = true;
  private String metricName = "metric";
  private PrintStream progress;

  private HyperparameterSearch(SearchSpace space, boolean grid, int trials, long seed) {
    this.space = Objects.requireNonNull(space);
    if (space.dimensions().isEmpty()) {
      throw new IllegalArgumentException("the search space has no dimensions");
    }
    this.grid = grid;
    this.trials = trials;
    this.seed = seed;
  }

  /** Every combination of the dimensions' grid values. */
  public static HyperparameterSearch grid(SearchSpace space) {
    return new HyperparameterSearch(space, true, 0, 0);
  }

  /** {@code trials} points drawn at random, reproducibly from {@code seed}. */
  public static HyperparameterSearch random(SearchSpace space, int trials, long seed) {
    if (trials < 1) {
      throw new IllegalArgumentException("trials must be positive: " + trials);
    }
    return new HyperparameterSearch(space, false, trials, seed);
  }

  /** Higher is better (the default), for accuracy-like metrics named {@code name} in the table. */
  public HyperparameterSearch maximize(String name) {
    this.maximize = true;
    this.metricName = name;
    return this;
  }

  /** Lower is better, for loss-like metrics named {@code name} in the table. */
  public HyperparameterSearch minimize(String name) {
    this.maximize = false;
    this.metricName = name;
    return this;
  }

  /** Prints one line per finished trial to {@code out}; null (the default) is quiet. */
  public HyperparameterSearch progress(PrintStream out) {
    this.progress = out;
    return this;
  }

  /** The points this search will try, in order. */
  public List<Params> points() {
    List<Dimension> dims = space.dimensions();
    List<Params> out = new ArrayList<>();
    if (grid) {
      long size = space.gridSize();
      if (size > 1_000_000) {
        throw new IllegalStateException("a grid of " + size + " points is too large; use a random search");
      }
      List<List<Object>> values = new ArrayList<>();
      for (Dimension d : dims) {
        values.add(d.gridValues());
      }
      int[] index = new int[dims.size()];
      for (long k = 0; k < size; k++) {
        Map<String, Object> point = new LinkedHashMap<>();
        for (int i = 0; i < dims.size(); i++) {
          point.put(dims.get(i).name(), values.get(i).get(index[i]));
        }
        out.add(new Params(point));
        // Odometer: the last dimension turns fastest.
        for (int i = dims.size() - 1; i >= 0; i--) {
          if (++index[i] < values.get(i).size()) {
            break;
          }
          index[i] = 0;
        }
      }
    } else {
      Rng rng = new Rng(seed);
      for (int k = 0; k < trials; k++) {
        Map<String, Object> point = new LinkedHashMap<>();
        for (Dimension d : dims) {
          point.put(d.name(), d.sample(rng));
        }
        out.add(new Params(point));
      }
    }
    return out;
  }

  /** Runs the objective on every point and ranks the results. */
  public SearchResult run(Objective objective) {
    List<Params> points = points();
    List<Trial> done = new ArrayList<>();
    int number = 0;
    for (Params p : points) {
      number++;
      long start = System.nanoTime();
      double metric = Double.NaN;
      Throwable failure = null;
      try {
        metric = objective.evaluate(p);
        if (!Double.isFinite(metric)) {
          failure = new ArithmeticException("the objective returned " + metric);
          metric = Double.NaN;
        }
      } catch (Exception e) {
        failure = e;
      }
      Trial t = new Trial(number, p, metric, (System.nanoTime() - start) * 1e-9, failure);
      done.add(t);
      if (progress != null) {
        progress.printf("trial %d/%d  %s  ->  %s%n", number, points.size(), p,
            t.failed() ? "failed: " + failure : metricName + " " + SearchResult.formatMetric(metric));
        progress.flush();
      }
    }
    SearchResult result = new SearchResult(space.dimensions(), done, maximize, metricName);
    if (progress != null) {
      progress.println(result);
      progress.flush();
    }
    return result;
  }
}
