package dev.kiln.runtime.search;

import dev.kiln.runtime.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One named hyper-parameter and the values it may take: the values a grid search visits, and the distribution a
 * random search draws from. Continuous ranges differ between the two on purpose: a grid needs a finite list (evenly
 * spaced points), while random search gains from drawing anywhere in the range (Bergstra and Bengio 2012: it tries
 * more distinct values of the dimensions that matter).
 */
public abstract class Dimension {
  private final String name;

  Dimension(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a dimension needs a name");
    }
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** The values a grid search visits, in order. */
  public abstract List<Object> gridValues();

  /** One value drawn for a random search. */
  public abstract Object sample(Rng rng);

  /** A double taking exactly these values. */
  public static Dimension doubles(String name, double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException(name + ": no values");
    }
    List<Object> list = new ArrayList<>();
    for (double v : values) {
      list.add(v);
    }
    return new Listed(name, list, "{" + join(list) + "}");
  }

  /**
   * A double uniform in {@code [min, max]}; a grid visits {@code gridPoints} evenly spaced values including both
   * ends.
   */
  public static Dimension uniform(String name, double min, double max, int gridPoints) {
    checkRange(name, min, max, gridPoints);
    return new Range(name, min, max, gridPoints, false);
  }

  /**
   * A positive double whose logarithm is uniform in {@code [log min, log max]}, for scale parameters such as
   * learning rates and weight decay, where 1e-4 to 1e-3 matters as much as 1e-2 to 1e-1; a grid visits
   * {@code gridPoints} geometrically spaced values including both ends.
   */
  public static Dimension logUniform(String name, double min, double max, int gridPoints) {
    checkRange(name, min, max, gridPoints);
    if (!(min > 0)) {
      throw new IllegalArgumentException(name + ": a log-uniform range needs min > 0, not " + min);
    }
    return new Range(name, min, max, gridPoints, true);
  }

  /** An int taking exactly these values. */
  public static Dimension ints(String name, int... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException(name + ": no values");
    }
    List<Object> list = new ArrayList<>();
    for (int v : values) {
      list.add(v);
    }
    return new Listed(name, list, "{" + join(list) + "}");
  }

  /** An int from {@code min} to {@code max} inclusive, in steps of {@code step}; uniform for random search. */
  public static Dimension intRange(String name, int min, int max, int step) {
    if (min > max || step < 1) {
      throw new IllegalArgumentException(name + ": need min <= max and step >= 1: " + min + ", " + max + ", " + step);
    }
    List<Object> list = new ArrayList<>();
    for (long v = min; v <= max; v += step) {
      list.add((int) v);
    }
    return new Listed(name, list, "[" + min + ".." + max + (step > 1 ? " step " + step : "") + "]");
  }

  /** One of these options (strings, enums, objects); the table shows their {@code toString()}. */
  public static Dimension choice(String name, Object... options) {
    if (options.length == 0) {
      throw new IllegalArgumentException(name + ": no options");
    }
    List<Object> list = List.of(options);
    return new Listed(name, list, "{" + join(list) + "}");
  }

  private static void checkRange(String name, double min, double max, int gridPoints) {
    if (!(min <= max) || Double.isInfinite(min) || Double.isInfinite(max)) {
      throw new IllegalArgumentException(name + ": need finite min <= max: " + min + ", " + max);
    }
    if (gridPoints < 1) {
      throw new IllegalArgumentException(name + ": gridPoints must be positive: " + gridPoints);
    }
  }

  private static String join(List<Object> values) {
    StringBuilder sb = new StringBuilder();
    for (Object v : values) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(v);
    }
    return sb.toString();
  }

  /** A finite list of values: grid visits each, random picks one uniformly. */
  private static final class Listed extends Dimension {
    private final List<Object> values;
    private final String description;

    Listed(String name, List<Object> values, String description) {
      super(name);
      this.values = List.copyOf(values);
      this.description = description;
    }

    @Override
    public List<Object> gridValues() {
      return values;
    }

    @Override
    public Object sample(Rng rng) {
      return values.get(rng.nextInt(values.size()));
    }

    @Override
    public String toString() {
      return name() + " " + description;
    }
  }

  /** A continuous range, linear or logarithmic. */
  private static final class Range extends Dimension {
    private final double min;
    private final double max;
    private final int gridPoints;
    private final boolean log;

    Range(String name, double min, double max, int gridPoints, boolean log) {
      super(name);
      this.min = min;
      this.max = max;
      this.gridPoints = gridPoints;
      this.log = log;
    }

    @Override
    public List<Object> gridValues() {
      if (gridPoints == 1 || min == max) {
        return List.of(log ? Math.sqrt(min * max) : (min + max) / 2);
      }
      Object[] out = new Object[gridPoints];
      for (int i = 0; i < gridPoints; i++) {
        double f = (double) i / (gridPoints - 1);
        out[i] = i == gridPoints - 1 ? max : log ? min * Math.pow(max / min, f) : min + f * (max - min);
      }
      return Arrays.asList(out);
    }

    @Override
    public Object sample(Rng rng) {
      double u = rng.nextDouble();
      return log ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
    }

    @Override
    public String toString() {
      return name() + (log ? " log" : " ") + "[" + min + ", " + max + "]";
    }
  }
}
