package dev.sparkj.sparse;

import dev.sparkj.autograd.Variable;

/**
 * An image feature map as seen by a layer: either a plain dense tensor ({@link DenseMap}) or the
 * visible positions of a masked map ({@link SparseMap}). Image layers switch on the representation,
 * so a model is written once and runs dense (classification, fine-tuning) or sparse (SparK encoder).
 *
 * <p>The logical shape is always PyTorch's {@code [N, C, H, W]}, whatever the representation.
 */
public sealed interface FeatureMap permits DenseMap, SparseMap {

    /** The logical shape {@code [N, C, H, W]}. */
    int[] shape();

    /** Number of channels {@code C}. */
    default int channels() { return shape()[1]; }

    /** Wraps a dense {@code [N, C, H, W]} variable. */
    static FeatureMap dense(Variable x) { return new DenseMap(x); }
}
