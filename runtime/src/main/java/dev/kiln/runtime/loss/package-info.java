/**
 * Loss functions for training: each computes its value on a batch and, in the same pass, the gradient with respect
 * to the prediction, which is what a generated network's backward pass consumes.
 *
 * <p>Every loss follows PyTorch's default {@code reduction='mean'} for its functional counterpart, so values and
 * gradients match {@code torch.nn.functional} on the same data: element-wise losses (MSE, L1, smooth L1, Huber,
 * binary cross-entropy, hinge, exponential) average over all {@code batch * width} elements; class losses (cross
 * entropy, multi-margin) average over the batch; KL divergence uses {@code 'batchmean'} (sum divided by the batch),
 * the only reduction that gives the mathematical KL divergence.
 *
 * <p>All losses are stateless, thread-safe and allocation-free; they read {@code batch * width} values of
 * batch-major arrays (row {@code n} starts at {@code n * width}) and ignore anything past them, so a workspace's
 * oversized output arrays can be passed directly.
 */
package dev.kiln.runtime.loss;
