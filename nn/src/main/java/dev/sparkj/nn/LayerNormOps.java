package dev.sparkj.nn;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

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
        if (ax == rank - 1 && Rows.suits(xd, weight, bias)) return Rows.normalize(x, weight, bias, eps);
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

    /**
     * The channels-last case on a row-major F32 heap tensor ({@code [rows, C]} after flattening the leading axes:
     * the packed rows of a sparse map, or NHWC pixels) in one pass per row instead of about twenty tensor ops.
     * Each row's mean and variance are summed in double (the variance about the mean, as {@code var} does) and
     * rounded to float; then the same float operations as the composed path, in the same order:
     * {@code x̂ = (x - mean)·rstd} with {@code rstd = 1/sqrt(var + eps)}, {@code y = x̂·w + b}; backward
     * {@code gx = ((gx̂ - mean(gx̂)) - x̂·mean(gx̂·x̂))·rstd} with {@code gx̂ = gy·w} and both means summed in double.
     * The parameter gradients {@code Σ gy·x̂} and {@code Σ gy} are summed in double per fixed block of
     * {@link #BLOCK} rows and the blocks added in order, so no result depends on the thread count.
     */
    static final class Rows {
        private Rows() {}

        private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
        /** Rows per block of the parameter gradients' partial sums (fixed: the order never depends on the threads). */
        private static final int BLOCK = 256;

        static boolean suits(Tensor x, Variable w, Variable b) {
            return heapF32(x) && x.isContiguous() && x.numel() > 0 && (w == null || heapF32(w.data()) && w.data().isContiguous())
                    && (b == null || heapF32(b.data()) && b.data().isContiguous());
        }

        private static boolean heapF32(Tensor t) { return t.dtype() == DType.F32 && t.storage() instanceof HeapStorage; }

        private static float[] array(Tensor t) { return ((HeapStorage) t.storage()).f32(); }

        static Variable normalize(Variable x, Variable weight, Variable bias, double eps) {
            Tensor xd = x.data();
            final int c = xd.shape(xd.rank() - 1), rows = xd.numel() / c;
            final float[] xa = array(xd), wa = weight == null ? null : array(weight.data()), ba = bias == null ? null : array(bias.data());
            final int xo = xd.offset(), wo = weight == null ? 0 : weight.data().offset(), bo = bias == null ? 0 : bias.data().offset();
            final float epsF = (float) eps;
            Tensor xhatT = Tensor.zeros(DType.F32, xd.backend(), xd.shape()), yT = Tensor.zeros(DType.F32, xd.backend(), xd.shape());
            Tensor rstdT = Tensor.zeros(DType.F32, xd.backend(), rows);
            final float[] xh = array(xhatT), y = array(yT), rs = array(rstdT);
            final int bound = F.loopBound(c);
            Parallel.forRange(rows, Math.max(1, 8192 / c), (lo, hi) -> {
                for (int r = lo; r < hi; r++) {
                    int base = xo + r * c, ob = r * c;
                    double s = 0;
                    for (int j = 0; j < c; j++) s += xa[base + j];
                    double mean = s / c, v = 0;
                    for (int j = 0; j < c; j++) {
                        double d = xa[base + j] - mean;
                        v += d * d;
                    }
                    float m = (float) mean, rstd = 1f / (float) Math.sqrt((float) (v / c) + epsF); // as var().add(eps).rsqrt() in float
                    rs[r] = rstd;
                    FloatVector mv = FloatVector.broadcast(F, m), rv = FloatVector.broadcast(F, rstd);
                    int j = 0;
                    for (; j < bound; j += F.length()) {
                        FloatVector h = FloatVector.fromArray(F, xa, base + j).sub(mv).mul(rv);
                        h.intoArray(xh, ob + j);
                        if (wa != null) h = h.mul(FloatVector.fromArray(F, wa, wo + j));
                        if (ba != null) h = h.add(FloatVector.fromArray(F, ba, bo + j));
                        h.intoArray(y, ob + j);
                    }
                    for (; j < c; j++) {
                        float h = (xa[base + j] - m) * rstd;
                        xh[ob + j] = h;
                        if (wa != null) h = h * wa[wo + j];
                        if (ba != null) h = h + ba[bo + j];
                        y[ob + j] = h;
                    }
                }
            });
            final int[] wshape = weight == null ? null : weight.shape();
            return Node.record("layerNorm", new Variable[]{x, weight, bias}, yT, new Tensor[]{xhatT, rstdT},
                    (node, gyIn) -> backward(node, gyIn.contiguous(), c, rows, wa, wo, wshape));
        }

        private static Tensor[] backward(Node node, Tensor gyT, int c, int rows, float[] wa, int wo, int[] wshape) {
            if (!heapF32(gyT)) throw new IllegalStateException("layerNorm: gradient " + gyT.dtype() + " on " + gyT.backend() + " for an F32 heap input");
            final float[] gy = array(gyT), xh = array(node.saved(0)), rs = array(node.saved(1));
            final int go = gyT.offset();
            final boolean needX = node.needs(0), needW = node.needs(1), needB = node.needs(2);
            Tensor gxT = needX ? Tensor.zeros(DType.F32, gyT.backend(), gyT.shape()) : null;
            final float[] gx = needX ? array(gxT) : null;
            final int blocks = (rows + BLOCK - 1) / BLOCK, bound = F.loopBound(c);
            final double[][] sums = new double[blocks][];
            Parallel.forEach(blocks, bk -> {
                double[] part = needW || needB ? new double[2 * c] : null;   // Σ gy·x̂, then Σ gy
                float[] gxh = new float[c];
                for (int r = bk * BLOCK, end = Math.min(rows, r + BLOCK); r < end; r++) {
                    int gb = go + r * c, ob = r * c;
                    if (part != null)
                        for (int j = 0; j < c; j++) {
                            part[j] += gy[gb + j] * xh[ob + j];
                            part[c + j] += gy[gb + j];
                        }
                    if (!needX) continue;
                    double s1 = 0, s2 = 0;
                    for (int j = 0; j < c; j++) {
                        float g = wa == null ? gy[gb + j] : gy[gb + j] * wa[wo + j];
                        gxh[j] = g;
                        s1 += g;
                        s2 += g * xh[ob + j];
                    }
                    FloatVector m1 = FloatVector.broadcast(F, (float) (s1 / c)), m2 = FloatVector.broadcast(F, (float) (s2 / c));
                    FloatVector rv = FloatVector.broadcast(F, rs[r]);
                    int j = 0;
                    for (; j < bound; j += F.length()) {
                        FloatVector h = FloatVector.fromArray(F, xh, ob + j);
                        FloatVector.fromArray(F, gxh, j).sub(m1).sub(h.mul(m2)).mul(rv).intoArray(gx, ob + j);
                    }
                    float m1f = (float) (s1 / c), m2f = (float) (s2 / c);
                    for (; j < c; j++) gx[ob + j] = (gxh[j] - m1f - xh[ob + j] * m2f) * rs[r];
                }
                sums[bk] = part;
            });
            Tensor gw = null, gb = null;
            if (needW || needB) {
                double[] tot = new double[2 * c];
                for (double[] part : sums) for (int j = 0; j < 2 * c; j++) tot[j] += part[j];
                if (needW) gw = Tensor.of(java.util.Arrays.copyOf(tot, c), c).cast(DType.F32).to(gyT.backend()).reshape(wshape);
                if (needB) gb = Tensor.of(java.util.Arrays.copyOfRange(tot, c, 2 * c), c).cast(DType.F32).to(gyT.backend())
                        .reshape(wshape == null ? new int[]{c} : wshape);
            }
            return new Tensor[]{gxT, gw, gb};
        }
    }
}
