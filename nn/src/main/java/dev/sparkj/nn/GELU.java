package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;

/** Gaussian error linear unit in its exact form {@code x·Φ(x)} (erf, not the tanh approximation), elementwise on any shape (memory order kept). */
public final class GELU extends Module implements ImageLayer {
    @Override
    public Variable forward(Variable x) { return F.gelu(x); }
}
