package dev.sparkj.nn.models;

import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.ImageLayer;
import dev.sparkj.nn.Module;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;

/** A residual block of timm's ResNet ({@link BasicBlock} or {@link Bottleneck}). */
public abstract sealed class ResNetBlock extends Module implements ImageLayer permits BasicBlock, Bottleneck {

    /** The block on a dense input: the same code path as {@link #forward(FeatureMap)}. */
    @Override
    public final Variable forward(Variable x) { return ((DenseMap) forward(new DenseMap(x))).value(); }

    /** Sparse maps go through the same forward: every layer of the block dispatches on the representation. */
    @Override
    public final FeatureMap forwardSparse(SparseMap x) { return forward((FeatureMap) x); }

    /** The block's last BatchNorm, whose γ timm zero-initialises ({@code zero_init_last_bn}). */
    public abstract BatchNorm2d lastNorm();
}
