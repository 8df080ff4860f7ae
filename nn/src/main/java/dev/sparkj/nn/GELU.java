package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;

/** Gaussian error linear unit in its exact form {@code x·Φ(x)} (erf, not the tanh approximation), elementwise on any shape (memory order kept). */
public final class GELU extends Module implements ImageLayer {
    @Override
    public Variable forward(Variable x) { return F.gelu(x); }

    /** Sparse: elementwise on the visible values (gelu(0) = 0 keeps masked positions zero). */
    @Override
    public FeatureMap forwardSparse(SparseMap x) { return SparseOps.activation(x, F::gelu, describe()); }
}
