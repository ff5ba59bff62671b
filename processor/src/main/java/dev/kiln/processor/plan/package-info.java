/**
 * The third stage: decides, per layer, which buffers its forward and backward passes read and write, their sizes,
 * and which share memory (a flatten is free: it reuses its input's buffers). The costs a summary reports
 * (parameters, multiply-adds, activation memory, receptive field) fall out of the same walk.
 */
package dev.kiln.processor.plan;
