/**
 * Optimizers, parameter groups, lr / weight-decay schedules and the weight EMA, with the numbers of
 * SparK's PyTorch reference.
 *
 * <p>A training loop: {@code groups = ParamGroups.pretrain(ParamRef.of(model.namedParameters()), lr)};
 * {@code opt = new Lamb(groups, Lamb.Options.sparkPretrain(0.95))}; per iteration
 * {@code LrWdSchedule.pretrain(groups, peak, wd, wde, it, wpIt, maxIt)}, backward, {@code opt.step()},
 * {@code opt.zeroGrad()}; {@code opt.state()} / {@code loadState} for checkpoints (PyTorch's state-dict keys).
 * Fine-tuning uses {@link dev.sparkj.nn.optim.ParamGroups#layerDecay}, {@code Lamb.Options.sparkFineTune()}
 * or {@link dev.sparkj.nn.optim.AdamW}, {@link dev.sparkj.nn.optim.LrWdSchedule#fineTune} and
 * {@link dev.sparkj.nn.optim.ModelEma}.
 *
 * <p>Arithmetic follows the reference operation by operation in float32, scalars rounded to float, and
 * {@code add_(x, alpha)} / {@code addcmul_} as fused multiply-adds (as PyTorch's kernels compute them);
 * norms are summed in double. Each optimizer has a fused loop over heap float arrays (run in fixed-size
 * element ranges on the shared pool, so results do not depend on the thread count) and a composed
 * Tensor-op path for anything else; the two agree to the bit.
 */
package dev.sparkj.nn.optim;
