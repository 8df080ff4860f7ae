package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;

/** Rectified linear unit {@code max(x, 0)}, elementwise on any shape (memory order kept). */
public final class ReLU extends Module implements ImageLayer {
    @Override
    public Variable forward(Variable x) { return F.relu(x); }

    /** Sparse: elementwise on the visible values (relu(0) = 0 keeps masked positions zero). */
    @Override
    public FeatureMap forwardSparse(SparseMap x) { return SparseOps.activation(x, F::relu, describe()); }
}
