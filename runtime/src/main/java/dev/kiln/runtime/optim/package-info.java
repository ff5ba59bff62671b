/**
 * Training updates: the {@link dev.kiln.runtime.optim.Optimizer}s (SGD with momentum and Nesterov, RMSProp, Adam,
 * AdamW, AdaGrad), learning-rate schedules, gradient clipping and L1/L2 penalties.
 *
 * <p>Each optimizer reproduces its {@code torch.optim} namesake step for step (same update order, same first-step
 * behaviour, {@code eps} where PyTorch puts it), so hyper-parameters and checkpoints carry over from PyTorch
 * recipes. Optimizer state is float, like PyTorch's on float32 tensors; arithmetic within an element's update is
 * done in double and rounded once on store, which keeps results within float rounding of PyTorch's float64
 * references while making a saved and restored state continue bit-identically.
 *
 * <p>A typical step: backward passes accumulate into {@code Parameter.grad()}; then optionally
 * {@link dev.kiln.runtime.optim.Regularization} adds penalty gradients,
 * {@link dev.kiln.runtime.optim.GradientClipping} rescales them, a
 * {@link dev.kiln.runtime.optim.LearningRateSchedule} sets the rate; then {@code step()} and {@code zeroGrad()}.
 */
package dev.kiln.runtime.optim;
