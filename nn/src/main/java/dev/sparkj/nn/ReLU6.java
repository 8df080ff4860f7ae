package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;

/** ReLU clipped at 6: {@code min(max(x, 0), 6)}, elementwise on any shape (memory order kept). */
public final class ReLU6 extends Module implements ImageLayer {
    @Override
    public Variable forward(Variable x) { return F.relu6(x); }
}
