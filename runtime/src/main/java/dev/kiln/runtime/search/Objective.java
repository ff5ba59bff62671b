package dev.kiln.runtime.search;

/**
 * What a search optimises: builds a model from the hyper-parameters, trains it, and returns its validation metric
 * (accuracy, loss, F1: the search is told whether to maximise or minimise). Must not measure on the test set, or the
 * search will overfit to it.
 */
@FunctionalInterface
public interface Objective {
  double evaluate(Params params) throws Exception;
}
