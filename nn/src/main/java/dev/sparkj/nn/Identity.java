package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;

/** A layer that returns its input (PyTorch's {@code nn.Identity}): a placeholder where an option removes a layer. */
public final class Identity extends Module implements ImageLayer {
    @Override
    public Variable forward(Variable x) { return x; }

    @Override
    public FeatureMap forward(FeatureMap x) { return x; }

    @Override
    public FeatureMap forwardSparse(SparseMap x) { return x; }
}
