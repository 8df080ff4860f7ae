package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;

/** Rectified linear unit {@code max(x, 0)}, elementwise on any shape (memory order kept). */
public final class ReLU extends Module implements ImageLayer {
    @Override
    public Variable forward(Variable x) { return F.relu(x); }
}
