package dev.kiln.runtime.search;

/**
 * One evaluated point of a search.
 *
 * @param number the order in which it ran, from 1
 * @param params its hyper-parameters
 * @param metric the validation metric it returned; NaN when it failed
 * @param seconds how long it took
 * @param failure why it failed (an exception, or a non-finite metric), or null
 */
public record Trial(int number, Params params, double metric, double seconds, Throwable failure) {
  public boolean failed() {
    return failure != null;
  }
}
