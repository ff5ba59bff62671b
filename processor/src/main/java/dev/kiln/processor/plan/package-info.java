/**
 * The third stage: decides, per layer, which buffers its forward and backward passes read and write, their sizes,
 * and which share memory (a flatten is free: it reuses its input's buffers). The costs a summary reports
 * (parameters, multiply-adds, activation memory, receptive field) fall out of the same walk. It also marks the
 * layers that run together: a batch norm folded into the convolution before it at inference ({@code folds()}), and a
 * 2x2 max pool that the convolution before it writes from its accumulator rows ({@code LayerPlan.poolInKernel}) and
 * whose gradient that convolution's backward takes from the pool's winners ({@code poolBackwardInKernel}).
 */
package dev.kiln.processor.plan;
