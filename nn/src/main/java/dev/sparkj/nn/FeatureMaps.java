package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;

import java.util.function.UnaryOperator;

/** Operations on {@link FeatureMap}s that models need besides layers: residual add, per-position channel maps, unwrapping. */
public final class FeatureMaps {
    private FeatureMaps() {}

    /** The exception thrown when a layer meets a sparse map it cannot handle yet. */
    public static UnsupportedOperationException noSparse(Object layer) {
        String what = layer instanceof Module m ? m.describe() : layer.getClass().getSimpleName();
        return new UnsupportedOperationException(what + " has no sparse implementation");
    }

    /** The dense variable of a dense map; fails for a sparse one naming {@code who}. */
    public static Variable dense(FeatureMap x, String who) {
        if (x instanceof DenseMap d) return d.value();
        throw new UnsupportedOperationException(who + " needs a dense feature map, got a sparse one");
    }

    /** Residual sum {@code a + b} of two maps of one shape and representation (sparse: same mask, scale and storage). */
    public static FeatureMap add(FeatureMap a, FeatureMap b) {
        if (a instanceof DenseMap da && b instanceof DenseMap db) return new DenseMap(F.add(da.value(), db.value()));
        if (a instanceof SparseMap sa && b instanceof SparseMap sb) return SparseOps.add(sa, sb);
        throw new IllegalArgumentException("residual add of a dense and a sparse feature map");
    }

    /** {@link Sequential#evictConsumed} for feature maps (their values); returns {@code result}. */
    public static FeatureMap evictConsumed(FeatureMap consumed, FeatureMap result) {
        Sequential.evictConsumed(values(consumed), values(result));
        return result;
    }

    /**
     * For a layer that made {@code consumed} and has just run its last reader: gives its memory back now
     * ({@link dev.sparkj.tensor.Storage#release}) unless {@code result} shares it or a node saved it for backward.
     * Reading it afterwards fails with a clear error. Returns {@code result}.
     */
    public static FeatureMap releaseConsumed(FeatureMap consumed, FeatureMap result) {
        Variable c = values(consumed);
        if (c.data().storage() != values(result).data().storage()) c.data().storage().release();
        return result;
    }

    private static Variable values(FeatureMap x) {
        return switch (x) {
            case DenseMap d -> d.value();
            case SparseMap s -> s.data();
        };
    }

    /**
     * Applies {@code f}, a function of the last axis, at every position: {@code f} sees a channels-last
     * view {@code [N, H, W, C]} for a dense map (one GEMM for a Linear when the memory is channels-last)
     * and the packed rows {@code [rows, C]} of a sparse map, whose masked positions stay zero
     * ({@link SparseOps#mapChannels}). Used for ConvNeXt's LayerNorm → Linear → GELU → Linear → scale section.
     */
    public static FeatureMap mapChannels(FeatureMap x, UnaryOperator<Variable> f, String who) {
        return switch (x) {
            case DenseMap d -> new DenseMap(F.permute(f.apply(F.permute(d.value(), 0, 2, 3, 1)), 0, 3, 1, 2));
            case SparseMap s -> SparseOps.mapChannels(s, f);
        };
    }
}
