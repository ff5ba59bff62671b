package dev.kiln.runtime.search;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The hyper-parameters to search, as an ordered list of named {@link Dimension}s. Built fluently:
 *
 * <pre>{@code
 * SearchSpace space = SearchSpace.of()
 *     .logUniform("lr", 1e-4, 1e-1, 4)
 *     .ints("batch", 32, 128)
 *     .choice("optimizer", "sgd", "adam");
 * }</pre>
 */
public final class SearchSpace {
  private final List<Dimension> dimensions = new ArrayList<>();
  private final Set<String> names = new HashSet<>();

  private SearchSpace() {}

  /** An empty space, to add dimensions to. */
  public static SearchSpace of() {
    return new SearchSpace();
  }

  /** A space of the given dimensions. */
  public static SearchSpace of(Dimension... dimensions) {
    SearchSpace s = new SearchSpace();
    for (Dimension d : dimensions) {
      s.add(d);
    }
    return s;
  }

  /** Adds a dimension; names must be unique. */
  public SearchSpace add(Dimension d) {
    if (!names.add(d.name())) {
      throw new IllegalArgumentException("two dimensions named " + d.name());
    }
    dimensions.add(d);
    return this;
  }

  /** See {@link Dimension#doubles}. */
  public SearchSpace doubles(String name, double... values) {
    return add(Dimension.doubles(name, values));
  }

  /** See {@link Dimension#uniform}. */
  public SearchSpace uniform(String name, double min, double max, int gridPoints) {
    return add(Dimension.uniform(name, min, max, gridPoints));
  }

  /** See {@link Dimension#logUniform}. */
  public SearchSpace logUniform(String name, double min, double max, int gridPoints) {
    return add(Dimension.logUniform(name, min, max, gridPoints));
  }

  /** See {@link Dimension#ints}. */
  public SearchSpace ints(String name, int... values) {
    return add(Dimension.ints(name, values));
  }

  /** See {@link Dimension#intRange}. */
  public SearchSpace intRange(String name, int min, int max, int step) {
    return add(Dimension.intRange(name, min, max, step));
  }

  /** See {@link Dimension#choice}. */
  public SearchSpace choice(String name, Object... options) {
    return add(Dimension.choice(name, options));
  }

  /** The dimensions, in the order added (the grid's outermost first). */
  public List<Dimension> dimensions() {
    return List.copyOf(dimensions);
  }

  /** Points a grid search visits: the product of every dimension's grid size. */
  public long gridSize() {
    long n = 1;
    for (Dimension d : dimensions) {
      n = Math.multiplyExact(n, d.gridValues().size());
    }
    return n;
  }

  @Override
  public String toString() {
    return dimensions.toString();
  }
}
