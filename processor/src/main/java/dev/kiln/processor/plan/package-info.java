/**
 * The third stage: decides, per layer, which buffers its forward and backward passes read and write, their sizes,
 * and which share memory (a flatten is free: it reuses its input's buffers). The costs a summary reports
 * (parameters, multiply-adds, activation memory, receptive field) fall out of the same walk. It also marks the
 * layers that inference runs together: a batch norm folded into the convolution before it ({@code folds()}), and a
 * 2x2 max pool that the convolution before it writes from its accumulator rows ({@code LayerPlan.poolInKernel}).
 */
package dev.kiln.processor.plan;
