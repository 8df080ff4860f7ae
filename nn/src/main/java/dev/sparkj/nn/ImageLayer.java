package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;

/**
 * A layer on image feature maps that runs on either representation of a {@link FeatureMap}: dense
 * ({@link DenseMap}) or the visible positions of a masked map ({@link SparseMap}). Models call
 * {@link #forward(FeatureMap)} and are written once for both modes.
 *
 * <p>Implementations give the dense computation in {@link #forward(Variable)} and the sparse one in
 * {@link #forwardSparse(SparseMap)} (by default: not supported, with the layer's path in the message).
 */
public interface ImageLayer extends Layer {

    /** Dispatches on the representation of {@code x}. */
    default FeatureMap forward(FeatureMap x) {
        return switch (x) {
            case DenseMap d -> new DenseMap(forward(d.value()));
            case SparseMap s -> forwardSparse(s);
        };
    }

    /** The sparse computation; by default unsupported. */
    default FeatureMap forwardSparse(SparseMap x) {
        throw FeatureMaps.noSparse(this);
    }
}
