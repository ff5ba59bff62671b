package dev.kiln.runtime.train;

/**
 * What a training run is about to do, told to listeners before the first batch.
 *
 * @param epochs the most epochs it will run (early stopping may end it sooner)
 * @param batchSize the batch size in force (the training set size for full-batch descent)
 * @param batchesPerEpoch including a smaller last batch
 * @param trainSize training samples (after any validation split)
 * @param validationSize validation samples, 0 when there are none
 * @param threads threads sharing each batch
 */
public record TrainingPlan(
    int epochs, int batchSize, int batchesPerEpoch, int trainSize, int validationSize, int threads) {}
