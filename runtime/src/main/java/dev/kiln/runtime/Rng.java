package dev.kiln.runtime;

/**
 * A small, fast, seedable random generator (SplitMix64) whose whole state is one {@code long}, so a checkpoint can
 * save and restore it and a resumed run draws exactly the numbers an uninterrupted one would have. Not thread-safe:
 * give each thread its own.
 */
public final class Rng {
  private long state;

  public Rng(long seed) {
    this.state = seed;
  }

  /** The generator's whole state, for {@link #setState(long)}. */
  public long state() {
    return state;
  }

  public void setState(long state) {
    this.state = state;
  }

  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1). */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, 1). */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    // Lemire's multiply-shift: unbiased enough for shuffles of any size we handle (bias below 2^-32).
    return (int) (((nextLong() >>> 32) * bound) >>> 32);
  }

  /**
   * Standard normal, by Box-Muller without the cached second value, so that the state alone (one long) fully
   * determines every later draw.
   */
  public double nextGaussian() {
    double u1;
    do {
      u1 = nextDouble();
    } while (u1 <= 0);
    double u2 = nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
