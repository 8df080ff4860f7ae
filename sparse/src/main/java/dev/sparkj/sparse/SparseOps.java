package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.NoGrad;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * The sparse ops that image layers call on a {@link SparseMap}, all differentiable and all equal to
 * the reference's masked-dense emulation (spark-semantics.md §2). Each works on both storages of a
 * sparse map: packed rows (true sparse computation) and masked dense (dense op, then re-mask).
 * {@code who} names the calling layer in error messages.
 */
public final class SparseOps {
    private SparseOps() {}

    /** Conv2d (any kernel, padding, dilation, groups; square stride that keeps tiles whole), output masked. */
    public static SparseMap conv2d(SparseMap x, Variable weight, Variable bias, Conv2dSpec spec, String who) {
        return SparseConv.conv2d(x, weight, bias, spec, who);
    }

    /** Max pooling; masked positions read as 0, the image border as -inf. */
    public static SparseMap maxPool2d(SparseMap x, Pool2dSpec spec, String who) { return SparsePool.maxPool2d(x, spec, who); }

    /** Average pooling (padding counted in the divisor); masked positions read as 0. */
    public static SparseMap avgPool2d(SparseMap x, Pool2dSpec spec, String who) { return SparsePool.avgPool2d(x, spec, who); }

    /**
     * Applies {@code f} to the visible positions as rows {@code [N, C] -> [N, C']}; f may couple the rows
     * (BatchNorm: statistics over all visible positions) or not (LayerNorm). Packed maps pass their rows;
     * masked dense maps gather the visible rows, apply f and scatter back with zeros elsewhere, which is
     * exactly the reference's sparse BatchNorm / LayerNorm. A BatchNorm layer's own forward on the rows is
     * PyTorch's BatchNorm1d on them, so running statistics and synchronized statistics come with it.
     */
    public static SparseMap onVisibleRows(SparseMap x, UnaryOperator<Variable> f) {
        if (x.mode() == SparseMap.Mode.PACKED) return x.with(checkRows(f.apply(x.rows()), x));
        SparseLayout l = x.layout();
        Variable rows = checkRows(f.apply(Densify.gather(x.data(), l)), x);
        return x.with(Densify.scatter(rows, l, null));
    }

    /**
     * An elementwise function with {@code f(0) = 0} (ReLU, ReLU6, GELU, identity) on the stored values;
     * fails naming {@code who} when f does not keep zeros zero (the masked positions would change).
     */
    public static SparseMap activation(SparseMap x, UnaryOperator<Variable> f, String who) {
        try (NoGrad ignored = NoGrad.enter()) {
            double f0 = f.apply(Variable.of(Tensor.zeros(x.data().dtype(), 1))).data().item();
            if (f0 != 0)
                throw new UnsupportedOperationException(who + " maps 0 to " + f0 + "; use SparseOps.mapChannels for functions that do not keep masked positions zero");
        }
        return x.with(f.apply(x.data()));
    }

    /**
     * Applies {@code f}, a function of the last axis (channels), at every visible position and keeps the
     * masked positions zero: f sees the rows {@code [N, C]} of a packed map, or a channels-last view
     * {@code [B, H, W, C]} of a masked dense one (re-masked afterwards). For ConvNeXt's
     * LayerNorm → Linear → GELU → Linear → scale section.
     */
    public static SparseMap mapChannels(SparseMap x, UnaryOperator<Variable> f) {
        if (x.mode() == SparseMap.Mode.PACKED) return x.with(checkRows(f.apply(x.rows()), x));
        Variable y = F.permute(f.apply(F.permute(x.data(), 0, 2, 3, 1)), 0, 3, 1, 2);
        return x.with(F.mul(y, Variable.of(x.layout().denseMask())));
    }

    /** Residual sum of two maps on the same mask, scale and storage. */
    public static SparseMap add(SparseMap a, SparseMap b) {
        requireSameLayout(a, b, "residual add");
        return a.with(F.add(a.data(), b.data()));
    }

    /** Multiplies every position of sample i by {@code scale[i]} ({@code [B]}, no gradient): DropPath's per-sample keep / keep-prob. */
    public static SparseMap scaleSamples(SparseMap x, Tensor scale) {
        int b = x.layout().batch();
        if (scale.numel() != b) throw new IllegalArgumentException("per-sample scale of " + scale.numel() + " values for batch " + b);
        Tensor s = scale.reshape(b, 1).cast(x.data().dtype());
        Tensor perPosition = x.mode() == SparseMap.Mode.PACKED
                ? s.indexSelect(0, x.layout().sampleIndex())                 // [N, 1]
                : s.reshape(b, 1, 1, 1);
        return x.with(F.mul(x.data(), Variable.of(perPosition)));
    }

    /** The masked view of a dense input {@code [B, C, H, W]} in the chosen storage (see {@link SparseMap#of}). */
    public static SparseMap sparsify(Variable dense, ActiveMask mask, SparseMap.Mode mode) { return SparseMap.of(dense, mask, mode); }

    /** Dense {@code [B, C, H, W]} with the mask token {@code [1, C, 1, 1]} at masked positions (see {@link SparseMap#densify}). */
    public static Variable densify(SparseMap x, Variable maskToken) { return x.densify(maskToken); }

    /** Dense {@code [B, C, H, W]} with zeros at masked positions. */
    public static Variable toMaskedDense(SparseMap x) { return x.toMaskedDense(); }

    static void requireSameLayout(SparseMap a, SparseMap b, String what) {
        if (a.layout() != b.layout() || a.mode() != b.mode() || a.channels() != b.channels())
            throw new IllegalArgumentException(what + " of maps with different layouts or storage: " + a + " and " + b);
    }

    private static Variable checkRows(Variable rows, SparseMap x) {
        if (rows.rank() != 2 || rows.shape(0) != x.layout().rows())
            throw new IllegalArgumentException("a function of the visible rows turned " + x.layout().rows() + " rows into "
                    + java.util.Arrays.toString(rows.shape()));
        return rows;
    }
}
