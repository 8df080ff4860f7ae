package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;
import dev.sparkj.tensor.Pool2dSpec;

/** Max pooling (PyTorch's {@code nn.MaxPool2d}, padding with -inf): {@code [N, C, H, W] -> [N, C, HO, WO]}. */
public final class MaxPool2d extends Module implements ImageLayer {
    private final Pool2dSpec spec;

    public MaxPool2d(Pool2dSpec spec) { this.spec = spec; }

    /** Square window. */
    public MaxPool2d(int kernel, int stride, int padding) { this(Pool2dSpec.of(kernel, stride, padding)); }

    @Override
    public Variable forward(Variable x) { return F.maxPool2d(x, spec); }

    public Pool2dSpec spec() { return spec; }

    @Override
    protected String extraRepr() { return "k" + spec.kernelH() + " s" + spec.strideH() + " p" + spec.padH(); }

    /** Sparse: masked positions read as 0, the image border as -inf; output at visible positions only. */
    @Override
    public FeatureMap forwardSparse(SparseMap x) { return SparseOps.maxPool2d(x, spec, describe()); }
}
