/**
 * Hyper-parameter search: a {@link dev.kiln.runtime.search.SearchSpace} of named dimensions (doubles, log-scaled
 * doubles, ints, choices), explored exhaustively ({@link dev.kiln.runtime.search.HyperparameterSearch#grid grid}) or
 * by seeded sampling ({@link dev.kiln.runtime.search.HyperparameterSearch#random random}); each trial's
 * {@link dev.kiln.runtime.search.Params} go to a user function that builds, trains and validates a model and returns
 * a validation metric, and the trials come back ranked in a {@link dev.kiln.runtime.search.SearchResult}.
 */
package dev.kiln.runtime.search;
