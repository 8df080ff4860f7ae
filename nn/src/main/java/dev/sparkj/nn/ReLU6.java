package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;

/** ReLU clipped at 6: {@code min(max(x, 0), 6)}, elementwise on any shape (memory order kept). */
public final class ReLU6 extends Module implements ImageLayer {
    @Override
    public Variable forward(Variable x) { return F.relu6(x); }

    /** Sparse: elementwise on the visible values (relu6(0) = 0 keeps masked positions zero). */
    @Override
    public FeatureMap forwardSparse(SparseMap x) { return SparseOps.activation(x, F::relu6, describe()); }
}
