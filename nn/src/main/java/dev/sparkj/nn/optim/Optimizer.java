package dev.sparkj.nn.optim;

import java.util.List;

/**
 * Updates parameters from their gradients, one {@link #step()} per iteration, with PyTorch's numbers.
 * The schedules set each group's lr and weight decay before the step; {@link #state()} and
 * {@link #loadState} carry everything else across a checkpoint so a resumed run repeats bit for bit.
 */
public interface Optimizer {
    /** The parameter groups, in order (their lr and weight decay are mutable). */
    List<ParamGroup> groups();

    /** One update of every parameter that has a gradient; parameters without one are skipped. */
    void step();

    /** Zeroes every existing gradient in place, as PyTorch ≤ 1.13's {@code zero_grad()} does. */
    default void zeroGrad() { zeroGrad(false); }

    /** Zeroes gradients in place, or with {@code setToNone} drops them (PyTorch 2's default). */
    void zeroGrad(boolean setToNone);

    /** A snapshot of the optimizer's state (copies), keyed like PyTorch's {@code state_dict()}. */
    OptimizerState state();

    /** Replaces the optimizer's state with a snapshot from {@link #state()} of an optimizer built the same way. */
    void loadState(OptimizerState state);
}
