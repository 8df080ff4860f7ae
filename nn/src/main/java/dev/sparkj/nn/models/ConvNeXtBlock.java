package dev.sparkj.nn.models;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.Conv2d;
import dev.sparkj.nn.DropPath;
import dev.sparkj.nn.FeatureMaps;
import dev.sparkj.nn.GELU;
import dev.sparkj.nn.ImageLayer;
import dev.sparkj.nn.LayerNorm;
import dev.sparkj.nn.Linear;
import dev.sparkj.nn.Module;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Tensor;

/**
 * A ConvNeXt block (SparK's {@code SparseConvNeXtBlock}): dwconv 7x7 (groups = C, bias) → per position:
 * LayerNorm (channels-last, eps 1e-6) → pwconv1 Linear C→4C → GELU (exact) → pwconv2 Linear 4C→C → γ·
 * (layer scale) → drop_path → residual add. Keys: {@code gamma, dwconv, norm, pwconv1, pwconv2}.
 */
public final class ConvNeXtBlock extends Module implements ImageLayer {
    private final Conv2d dwconv;
    private final LayerNorm norm;
    private final Linear pwconv1, pwconv2;
    private final GELU act;
    private final DropPath dropPath;

    /** @param dropPath stochastic depth for this block, or null; layerScaleInit 0 disables γ */
    public ConvNeXtBlock(int dim, double layerScaleInit, DropPath dropPath) {
        dwconv = child("dwconv", new Conv2d(dim, dim, 7, 7, new Conv2dSpec(1, 1, 3, 3, 1, 1, dim), true, null));
        norm = child("norm", LayerNorm.channelsLast(dim, 1e-6));
        pwconv1 = child("pwconv1", new Linear(dim, 4 * dim, null));
        act = child("act", new GELU());
        pwconv2 = child("pwconv2", new Linear(4 * dim, dim, null));
        if (layerScaleInit > 0) param("gamma", Tensor.full(layerScaleInit, dev.sparkj.tensor.DType.F32,
                dev.sparkj.tensor.Backends.defaultBackend(), dim));
        this.dropPath = dropPath == null ? null : child("drop_path", dropPath);
    }

    /** The per-position part on {@code [..., C]}: norm → pwconv1 → GELU → pwconv2 → γ·. */
    public Variable pointwise(Variable x) {
        Variable y = pwconv2.forward(act.forward(pwconv1.forward(norm.forward(x))));
        Variable gamma = gamma();
        return gamma == null ? y : F.mul(y, gamma);
    }

    @Override
    public FeatureMap forward(FeatureMap x) {
        FeatureMap y = FeatureMaps.mapChannels(dwconv.forward(x), this::pointwise, describe());
        if (dropPath != null) y = dropPath.forward(y);
        return FeatureMaps.add(x, y);
    }

    @Override
    public Variable forward(Variable x) { return ((DenseMap) forward(new DenseMap(x))).value(); }

    @Override
    public FeatureMap forwardSparse(SparseMap x) { return forward((FeatureMap) x); }

    public Conv2d dwconv() { return dwconv; }

    /** Layer scale γ {@code [C]}, or null. */
    public Variable gamma() { return paramOrNull("gamma"); }
}
