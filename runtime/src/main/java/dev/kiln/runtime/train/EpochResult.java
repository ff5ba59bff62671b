package dev.kiln.runtime.train;

/**
 * What one epoch achieved. Accuracies are fractions in [0, 1]; a value that was not measured (no validation set, a
 * regression task) is NaN.
 *
 * @param epoch from 1
 * @param trainLoss the mean loss over the epoch's batches, weighted by batch size, in training mode (dropout on)
 * @param trainAccuracy the fraction of training samples whose arg-max matched the label, in training mode
 * @param validationLoss the mean loss on the validation set in inference mode
 * @param validationAccuracy the accuracy on the validation set in inference mode
 * @param seconds wall time of the epoch, validation included
 * @param samplesPerSecond training throughput, validation excluded
 * @param learningRate the optimizer's rate at the end of the epoch
 * @param improved whether the monitored quantity improved on the best so far (by more than the minimum delta)
 */
public record EpochResult(
    int epoch,
    double trainLoss,
    double trainAccuracy,
    double validationLoss,
    double validationAccuracy,
    double seconds,
    double samplesPerSecond,
    double learningRate,
    boolean improved) {}
