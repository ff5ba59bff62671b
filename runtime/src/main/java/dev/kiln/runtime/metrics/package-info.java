/**
 * Classification metrics: {@link dev.kiln.runtime.metrics.Metrics} (accuracy, 0-1 loss, arg-max predictions) and
 * {@link dev.kiln.runtime.metrics.ConfusionMatrix} (counts per actual and predicted class, per-class precision,
 * recall and F1, and a printable table). Plain functions over arrays; nothing here knows about models.
 */
package dev.kiln.runtime.metrics;
