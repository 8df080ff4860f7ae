package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;

import java.util.Arrays;

/**
 * A masked feature map: the logical {@code [B, C, H, W]} map whose masked positions are exactly zero,
 * together with its {@link SparseLayout} (the mask at this scale). Layers see it through
 * {@link FeatureMap} and run the sparse ops of {@link SparseOps} on it.
 *
 * <p>Two storages with the same numbers:
 * <ul>
 *   <li>{@link Mode#PACKED} — the true sparse form: only visible positions, as rows {@code [P*t*t, C]}
 *       (channels-last, tiles in patch order, see {@link SparseLayout}); ops compute visible positions only.</li>
 *   <li>{@link Mode#MASKED_DENSE} — the reference's emulation: a dense {@code [B, C, H, W]} variable with
 *       zeros at masked positions; ops run densely and re-mask. It is the oracle for the packed form and
 *       the baseline of the benchmark.</li>
 * </ul>
 */
public final class SparseMap implements FeatureMap {

    /** How the visible values are stored. */
    public enum Mode { PACKED, MASKED_DENSE }

    private final Variable data;
    private final SparseLayout layout;
    private final Mode mode;
    private final int channels;

    private SparseMap(Variable data, SparseLayout layout, Mode mode) {
        this.data = data;
        this.layout = layout;
        this.mode = mode;
        int[] s = data.shape();
        if (mode == Mode.PACKED) {
            if (s.length != 2 || s[0] != layout.rows())
                throw new IllegalArgumentException("packed rows must be [" + layout.rows() + ", C] for " + layout + ", got " + Arrays.toString(s));
            channels = s[1];
        } else {
            if (s.length != 4 || s[0] != layout.batch() || s[2] != layout.height() || s[3] != layout.width())
                throw new IllegalArgumentException("a masked dense map must be [" + layout.batch() + ", C, " + layout.height() + ", "
                        + layout.width() + "] for " + layout + ", got " + Arrays.toString(s));
            channels = s[1];
        }
    }

    /** Packed rows {@code [layout.rows(), C]} at a layout. */
    public static SparseMap packed(Variable rows, SparseLayout layout) { return new SparseMap(rows, layout, Mode.PACKED); }

    /** A dense {@code [B, C, H, W]} variable that is already zero at the masked positions of {@code layout}. */
    public static SparseMap maskedDense(Variable dense, SparseLayout layout) { return new SparseMap(dense, layout, Mode.MASKED_DENSE); }

    /**
     * The masked view of a dense {@code [B, C, H, W]} input (for SparK: the image): masked positions
     * dropped (packed) or zeroed (masked dense, stored channels-last like the dense path). The mask is
     * upsampled to {@code H x W}.
     */
    public static SparseMap of(Variable dense, ActiveMask mask, Mode mode) {
        int[] s = dense.shape();
        if (s.length != 4) throw new IllegalArgumentException("expected [B, C, H, W], got " + Arrays.toString(s));
        if (s[0] != mask.batch()) throw new IllegalArgumentException("batch " + s[0] + " for " + mask);
        SparseLayout l = mask.layoutFor(s[2], s[3]);
        return switch (mode) {
            case PACKED -> packed(Densify.gather(dense, l), l);
            case MASKED_DENSE -> maskedDense(F.mul(F.toChannelsLast(dense), Variable.of(l.denseMask())), l);
        };
    }

    public Mode mode() { return mode; }

    public SparseLayout layout() { return layout; }

    public ActiveMask mask() { return layout.mask(); }

    /** The stored variable: rows {@code [P*t*t, C]} when packed, {@code [B, C, H, W]} when masked dense. */
    public Variable data() { return data; }

    /** The packed rows {@code [P*t*t, C]}; fails for a masked dense map. */
    public Variable rows() {
        if (mode != Mode.PACKED) throw new IllegalStateException("rows() of a masked dense map");
        return data;
    }

    /** The same layout and mode with new data of the same kind (a pointwise op's result). */
    public SparseMap with(Variable newData) { return new SparseMap(newData, layout, mode); }

    @Override public int[] shape() { return new int[]{layout.batch(), channels, layout.height(), layout.width()}; }

    @Override public int channels() { return channels; }

    /** The map as dense {@code [B, C, H, W]} with zeros at masked positions (differentiable). */
    public Variable toMaskedDense() {
        return mode == Mode.MASKED_DENSE ? data : Densify.scatter(data, layout, null);
    }

    /**
     * SparK's densify fill: dense {@code [B, C, H, W]} with the visible values and {@code maskToken}
     * ({@code [1, C, 1, 1]}) at every masked position. Gradient to the token = sum over masked positions.
     */
    public Variable densify(Variable maskToken) {
        if (maskToken != null && !Arrays.equals(maskToken.shape(), new int[]{1, channels, 1, 1}))
            throw new IllegalArgumentException("mask token must be [1, " + channels + ", 1, 1], got " + Arrays.toString(maskToken.shape()));
        if (mode == Mode.PACKED) return Densify.scatter(data, layout, maskToken);
        if (maskToken == null) return data;
        return F.add(data, F.mul(Variable.of(layout.maskedPositions()), maskToken));
    }

    @Override
    public String toString() {
        return "SparseMap[" + mode + ", C=" + channels + ", " + layout + "]";
    }
}
