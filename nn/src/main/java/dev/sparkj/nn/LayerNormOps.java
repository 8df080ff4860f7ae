package dev.sparkj.nn;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;

/**
 * Layer normalisation over one axis as a single autograd op: {@code x̂ = (x - mean)/sqrt(var + eps)}
 * (biased variance over {@code axis}), {@code y = x̂·w + b} with w, b of the axis' length.
 * Backward: {@code gx̂ = gy·w}, {@code gx = rstd·(gx̂ - mean(gx̂) - x̂·mean(gx̂·x̂))} (means over axis),
 * {@code gw = Σ gy·x̂}, {@code gb = Σ gy} over all other axes.
 */
public final class LayerNormOps {
    private LayerNormOps() {}

    /**
     * @param axis the normalised axis: -1 (channels-last, {@code [..., C]}) or 1 (channels-first, {@code [N, C, H, W]})
     * @param weight {@code [C]} or null (no affine)
     * @param bias {@code [C]} or null
     */
    public static Variable normalize(Variable x, Variable weight, Variable bias, int axis, double eps) {
        Tensor xd = x.data();
        int rank = xd.rank();
        int ax = axis < 0 ? axis + rank : axis;
        int c = xd.shape(ax);
        int[] along = {ax};
        int[] others = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) if (i != ax) others[j++] = i;
        int[] bshape = new int[rank];
        java.util.Arrays.fill(bshape, 1);
        bshape[ax] = c;

        Tensor mean = xd.mean(along, true);
        Tensor rstd = xd.var(along, 0, true).add(eps).rsqrt();
        Tensor xhat = xd.sub(mean).mul(rstd);
        Tensor w = weight == null ? null : weight.data().reshape(bshape);
        Tensor y = w == null ? xhat : xhat.mul(w);
        if (bias != null) y = y.add(bias.data().reshape(bshape));
        int[] wshape = weight == null ? null : weight.shape();
        return Node.record("layerNorm", new Variable[]{x, weight, bias}, y, new Tensor[]{xhat, rstd, w},
                (node, gy) -> {
                    Tensor xh = node.saved(0), rs = node.saved(1), ws = node.saved(2);
                    Tensor gx = null;
                    if (node.needs(0)) {
                        Tensor gxh = ws == null ? gy : gy.mul(ws);
                        Tensor m1 = gxh.mean(along, true);
                        Tensor m2 = gxh.mul(xh).mean(along, true);
                        gx = gxh.sub(m1).sub(xh.mul(m2)).mul(rs);
                    }
                    Tensor gw = node.needs(1) ? gy.mul(xh).sum(others, false).reshape(wshape) : null;
                    Tensor gb = node.needs(2) ? gy.sum(others, false).reshape(wshape == null ? new int[]{c} : wshape) : null;
                    return new Tensor[]{gx, gw, gb};
                });
    }
}
