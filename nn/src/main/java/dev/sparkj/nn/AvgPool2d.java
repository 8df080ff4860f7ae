package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;
import dev.sparkj.tensor.Pool2dSpec;

/** Average pooling (PyTorch's {@code nn.AvgPool2d}, padded zeros counted): {@code [N, C, H, W] -> [N, C, HO, WO]}. */
public final class AvgPool2d extends Module implements ImageLayer {
    private final Pool2dSpec spec;

    public AvgPool2d(Pool2dSpec spec) { this.spec = spec; }

    /** Square window. */
    public AvgPool2d(int kernel, int stride, int padding) { this(Pool2dSpec.of(kernel, stride, padding)); }

    @Override
    public Variable forward(Variable x) { return F.avgPool2d(x, spec); }

    public Pool2dSpec spec() { return spec; }

    @Override
    protected String extraRepr() { return "k" + spec.kernelH() + " s" + spec.strideH() + " p" + spec.padH(); }

    /** Sparse: masked positions read as 0; output at visible positions only. */
    @Override
    public FeatureMap forwardSparse(SparseMap x) { return SparseOps.avgPool2d(x, spec, describe()); }
}
