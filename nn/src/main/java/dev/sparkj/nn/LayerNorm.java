package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;
import dev.sparkj.tensor.Tensor;

/**
 * Layer normalisation over channels with parameters {@code weight} (1) and {@code bias} (0) {@code [C]}.
 * Channels-last (PyTorch's {@code nn.LayerNorm(C)}): over the last axis of {@code [..., C]}.
 * Channels-first (ConvNeXt's {@code data_format="channels_first"}): over axis 1 of {@code [N, C, H, W]},
 * and then also an {@link ImageLayer}. ConvNeXt uses eps 1e-6.
 */
public final class LayerNorm extends Module implements ImageLayer {
    private final int channels;
    private final double eps;
    private final boolean channelsFirst;

    public LayerNorm(int channels, double eps, boolean channelsFirst) {
        this.channels = channels;
        this.eps = eps;
        this.channelsFirst = channelsFirst;
        param("weight", Tensor.ones(channels));
        param("bias", Tensor.zeros(channels));
    }

    /** Channels-last, as {@code nn.LayerNorm(channels, eps)}. */
    public static LayerNorm channelsLast(int channels, double eps) { return new LayerNorm(channels, eps, false); }

    /** Channels-first over axis 1 of {@code [N, C, H, W]}. */
    public static LayerNorm channelsFirst(int channels, double eps) { return new LayerNorm(channels, eps, true); }

    /** Channels-first: {@code [N, C, H, W]} normalised over C; channels-last: {@code [..., C]} over the last axis. */
    @Override
    public Variable forward(Variable x) {
        int axis = channelsFirst ? 1 : x.rank() - 1;
        if (x.shape(axis) != channels)
            throw new IllegalArgumentException(describe() + ": input " + java.util.Arrays.toString(x.shape()) + " has "
                    + x.shape(axis) + " channels on axis " + axis + ", expected " + channels);
        return LayerNormOps.normalize(x, weight(), bias(), axis, eps);
    }

    /** On a feature map the channels are axis 1 of {@code [N, C, H, W]}, whichever form this layer has. */
    @Override
    public FeatureMap forward(FeatureMap x) {
        if (x instanceof DenseMap d) {
            if (d.value().shape(1) != channels)
                throw new IllegalArgumentException(describe() + ": feature map has " + d.value().shape(1) + " channels, expected " + channels);
            return new DenseMap(LayerNormOps.normalize(d.value(), weight(), bias(), 1, eps));
        }
        return forwardSparse((SparseMap) x);
    }

    public boolean isChannelsFirst() { return channelsFirst; }

    public Variable weight() { return param("weight"); }

    public Variable bias() { return param("bias"); }

    public double eps() { return eps; }

    @Override
    protected String extraRepr() { return channels + ", eps " + eps + (channelsFirst ? ", channels-first" : ", channels-last"); }

    /**
     * Sparse (SparK's SparseConvNeXtLayerNorm, both forms): normalises each visible position over its
     * channels (rows {@code [rows, C]}, channel axis 1); masked positions stay zero.
     */
    @Override
    public FeatureMap forwardSparse(SparseMap x) {
        if (x.channels() != channels)
            throw new IllegalArgumentException(describe() + ": feature map has " + x.channels() + " channels, expected " + channels);
        return SparseOps.onVisibleRows(x, rows -> LayerNormOps.normalize(rows, weight(), bias(), 1, eps));
    }
}
