package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;

/** A module with a single-input dense forward (a layer of a {@link Sequential}, a head, a loss-free block). */
public interface Layer {
    /** The layer applied to {@code x}; records a graph unless in a {@link dev.sparkj.autograd.NoGrad} scope. */
    Variable forward(Variable x);
}
