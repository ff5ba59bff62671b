/**
 * Training and evaluation loops for {@link dev.kiln.runtime.Model}s: the {@link dev.kiln.runtime.train.Trainer}
 * (mini-batch, stochastic or full-batch gradient descent; seeded shuffling; validation; early stopping that restores
 * the best weights; gradient hooks; learning-rate schedules; divergence detection; data-parallel training on a fixed
 * pool of threads), its events ({@link dev.kiln.runtime.train.TrainingListener},
 * {@link dev.kiln.runtime.train.ConsoleProgress}), its record ({@link dev.kiln.runtime.train.TrainingHistory}),
 * {@link dev.kiln.runtime.train.Evaluation} in inference mode, and where a JVM started with {@code
 * -Dkiln.profile=true} asks, where its steps spent their time ({@link dev.kiln.runtime.train.TrainingProfile}).
 *
 * <p>The losses and optimizers it drives live in {@code dev.kiln.runtime.loss} and {@code dev.kiln.runtime.optim}.
 * The training loop's steady state allocates nothing per batch: batches, workspaces, loss gradients and the worker
 * threads are all created once per run.
 */
package dev.kiln.runtime.train;
