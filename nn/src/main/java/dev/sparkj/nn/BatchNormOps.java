package dev.sparkj.nn;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Backend;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

/**
 * BatchNorm's normalisation as one autograd op with a hand-written backward. Channel axis 1; the
 * statistics run over every other axis, so the same op serves {@code [N, C, H, W]} images and the
 * packed {@code [rows, C]} visible positions of a sparse map.
 *
 * <p>Forward: {@code y = (x - mean)·a + β} with per-channel {@code a = γ/sqrt(var+eps)} (centred first:
 * folding the mean into a bias would cancel in float when |mean| ≫ std).
 * Backward with batch statistics ({@code n} values per channel, {@code x̂ = (x-mean)·invstd}):
 * {@code Σgy} and {@code Σgy·(x-mean)} per channel (plain sums again, all-reducible), then
 * {@code gγ = invstd·Σgy·(x-mean)}, {@code gβ = Σgy},
 * {@code gx = a·(gy - Σgy/n - x̂·gγ/n)}, computed as {@code gy·a + (x-mean)·p + q}. Products are taken
 * with the centred input: forming {@code Σgy·x - mean·Σgy} in float cancels badly when |mean| ≫ std.
 * With running statistics the statistics are constants: {@code gx = gy·a}.
 */
public final class BatchNormOps {
    private BatchNormOps() {}

    /** Every axis except 1. */
    static int[] nonChannelAxes(int rank) {
        if (rank < 2) throw new IllegalArgumentException("BatchNorm needs a channel axis 1, got rank " + rank);
        int[] a = new int[rank - 1];
        a[0] = 0;
        for (int i = 2; i < rank; i++) a[i - 1] = i;
        return a;
    }

    /** A per-channel vector shaped to broadcast along axis 1 of a rank-{@code rank} tensor like {@code like}. */
    static Tensor channelVector(double[] v, Tensor like) {
        int[] shape = new int[like.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[1] = v.length;
        return Tensor.of(v, v.length).cast(like.dtype()).to(like.backend()).reshape(shape);
    }

    private static Tensor vector(double[] v, DType dtype, Backend backend) {
        return Tensor.of(v, v.length).cast(dtype).to(backend);
    }

    /**
     * Normalises {@code x} with the given per-channel mean and 1/sqrt(var+eps).
     *
     * @param batchStats whether mean/invstd were computed from this very {@code x} over {@code count}
     *                   values per channel (training: gradients flow through them) or are constants (eval)
     * @param reducer    all-reduces the backward's per-channel sums for synchronized BatchNorm (identity when local)
     */
    public static Variable normalize(Variable x, Variable gamma, Variable beta, double[] mean, double[] invstd,
                                     long count, boolean batchStats, BatchNorm2d.StatsReducer reducer) {
        Tensor xd = x.data();
        int c = xd.shape(1);
        if (mean.length != c || invstd.length != c || gamma.data().numel() != c || beta.data().numel() != c)
            throw new IllegalArgumentException("BatchNorm over " + c + " channels with parameters of " + gamma.data().numel());
        double[] g = gamma.data().toDoubleArray(), bt = beta.data().toDoubleArray();
        double[] a = new double[c];
        for (int i = 0; i < c; i++) a[i] = g[i] * invstd[i];
        Tensor xc, y;
        Tensor[] fused = Fused.centreAndScale(xd, mean, a, bt);
        if (fused != null) {
            xc = fused[0];
            y = fused[1];
        } else {
            xc = xd.sub(channelVector(mean, xd));                                 // x - mean (kept for backward)
            y = xc.mul(channelVector(a, xd)).add(channelVector(bt, xd));
        }
        int[] axes = nonChannelAxes(xd.rank());
        double[] invC = invstd.clone();
        DType gt = gamma.dtype(), bt2 = beta.dtype();
        Backend gb = gamma.data().backend(), bb = beta.data().backend();
        return Node.record(batchStats ? "batchNorm" : "batchNormEval", new Variable[]{x, gamma, beta}, y, new Tensor[]{xc},
                (node, gy) -> {
                    Tensor xs = node.saved(0);                                    // x - mean
                    double[][] sums = Fused.sums(gy, xs);
                    double[] sg = sums != null ? sums[0] : gy.sum(axes, false).toDoubleArray();                // Σgy
                    double[] sgxc = sums != null ? sums[1] : gy.mul(xs).sum(axes, false).toDoubleArray();      // Σgy·(x - mean)
                    double[] gGamma = new double[c];
                    for (int i = 0; i < c; i++) gGamma[i] = invC[i] * sgxc[i];
                    Tensor gx = null;
                    if (node.needs(0)) {
                        if (!batchStats) {
                            gx = gy.mul(channelVector(a, gy));
                        } else {
                            double[] rsg = sg, rsgxc = sgxc;
                            if (reducer != null) {
                                double[][] r = reducer.allReduce(new double[][]{sg.clone(), sgxc.clone()});
                                rsg = r[0];
                                rsgxc = r[1];
                            }
                            // gx = a·(gy - Σgy/n - x̂·Σgy·x̂/n) = gy·a + (x - mean)·p + q
                            double[] p = new double[c], q = new double[c];
                            for (int i = 0; i < c; i++) {
                                p[i] = -a[i] * invC[i] * invC[i] * rsgxc[i] / count;
                                q[i] = -a[i] * rsg[i] / count;
                            }
                            gx = Fused.gradInput(gy, a, xs, p, q);
                            if (gx == null)
                                gx = gy.mul(channelVector(a, gy)).add(xs.mul(channelVector(p, xs))).add(channelVector(q, gy));
                        }
                    }
                    return new Tensor[]{gx,
                            node.needs(1) ? vector(gGamma, gt, gb) : null,
                            node.needs(2) ? vector(sg, bt2, bb) : null};
                });
    }

    /**
     * One-pass versions of the per-channel chains above for dense F32 heap tensors: row-major
     * ({@code [N, C, H, W]} images, packed {@code [rows, C]} maps) or channels-last ({@code [N, C, H, W]}
     * stored NHWC, as the decoder keeps its activations). The elementwise ones do the same float operations in
     * the same order as the composed tensor ops (so the bits are identical), without the activation-sized
     * temporaries of the composed form; {@link #sums} adds in double per channel in a fixed order. They
     * return null for any other layout, and the caller then composes tensor ops.
     */
    static final class Fused {
        private Fused() {}

        /** Elements per parallel chunk. */
        private static final int GRAIN = 1 << 15;
        /** Rows per partial sum in {@link #sums} over channels-last rows: fixed, so the order never depends on the threads. */
        private static final int SUM_ROWS = 1024;

        /** A tensor's heap array and how its elements map to channels: planes of {@code inner} values per (n, c), or rows of C. */
        private record Layout(float[] a, int off, int n, int c, int inner) {
            boolean rows() { return inner == 1; }
        }

        private static Layout layout(Tensor t) {
            if (t.dtype() != DType.F32 || !(t.storage() instanceof HeapStorage h) || t.rank() < 2 || t.numel() == 0) return null;
            int n = t.numel(), c = t.shape(1);
            if (t.isContiguous()) return new Layout(h.f32(), t.offset(), n, c, n / Math.max(1, t.shape(0) * c));
            if (t.isChannelsLast()) return new Layout(h.f32(), t.offset(), n, c, 1);
            return null;
        }

        private static float[] arrayOf(Tensor t) {
            return ((HeapStorage) t.storage()).f32();
        }

        private static float[] floats(double[] v) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            return f;
        }

        /** Visits the flat range {@code [lo, hi)} of a {@code [outer, C, inner]} tensor as runs within one channel. */
        private interface Run { void apply(int from, int to, int channel); }

        /** Runs over a row-major layout's memory in channel-constant runs (parts of one plane). */
        private static void forRuns(Layout l, Run run) {
            Parallel.forRange(l.n(), GRAIN, (lo, hi) -> {
                int i = lo;
                while (i < hi) {
                    int plane = i / l.inner(), end = Math.min(hi, (plane + 1) * l.inner());
                    run.apply(i, end, plane % l.c());
                    i = end;
                }
            });
        }

        /** {@code xc = x - mean} and {@code y = xc·a + b} per channel, or null for other layouts. */
        static Tensor[] centreAndScale(Tensor x, double[] mean, double[] a, double[] b) {
            Layout l = layout(x);
            if (l == null) return null;
            float[] xa = l.a(), mf = floats(mean), af = floats(a), bf = floats(b);
            int xo = l.off();
            Tensor xcT = x.emptyLike(), yT = x.emptyLike(); // same shape and memory order, dense from 0
            float[] xc = arrayOf(xcT), y = arrayOf(yT);
            if (l.rows()) {
                int c = l.c();
                Parallel.forRange(l.n() / c, Math.max(1, GRAIN / c), (lo, hi) -> {
                    for (int r = lo; r < hi; r++) {
                        int base = r * c;
                        for (int ch = 0; ch < c; ch++) {
                            float d = xa[xo + base + ch] - mf[ch];
                            xc[base + ch] = d;
                            y[base + ch] = d * af[ch] + bf[ch];
                        }
                    }
                });
            } else {
                forRuns(l, (from, to, ch) -> {
                    float m = mf[ch], s = af[ch], t = bf[ch];
                    for (int i = from; i < to; i++) {
                        float d = xa[xo + i] - m;
                        xc[i] = d;
                        y[i] = d * s + t;
                    }
                });
            }
            return new Tensor[]{xcT, yT};
        }

        /** {@code gy·a + xs·p + q} per channel (in that order), or null unless gy and xs share a supported layout. */
        static Tensor gradInput(Tensor gy, double[] a, Tensor xs, double[] p, double[] q) {
            Layout lg = layout(gy), lx = layout(xs);
            if (lg == null || lx == null || !java.util.Arrays.equals(gy.shape(), xs.shape()) || lg.rows() != lx.rows()
                    || gy.backend() != xs.backend()) return null;
            float[] ga = lg.a(), xa = lx.a(), af = floats(a), pf = floats(p), qf = floats(q);
            int go = lg.off(), xo = lx.off();
            Tensor gxT = gy.emptyLike();
            float[] gx = arrayOf(gxT);
            if (lg.rows()) {
                int c = lg.c();
                Parallel.forRange(lg.n() / c, Math.max(1, GRAIN / c), (lo, hi) -> {
                    for (int r = lo; r < hi; r++) {
                        int base = r * c;
                        for (int ch = 0; ch < c; ch++) gx[base + ch] = ga[go + base + ch] * af[ch] + xa[xo + base + ch] * pf[ch] + qf[ch];
                    }
                });
            } else {
                forRuns(lg, (from, to, ch) -> {
                    float s = af[ch], u = pf[ch], v = qf[ch];
                    for (int i = from; i < to; i++) gx[i] = ga[go + i] * s + xa[xo + i] * u + v;
                });
            }
            return gxT;
        }

        /**
         * {@code Σgy} and {@code Σgy·xs} per channel in one pass, summed in double: row-major planes channel by
         * channel (image after image), channels-last rows in fixed blocks of {@link #SUM_ROWS} rows whose partial
         * sums are then added in block order. Null unless gy and xs share a supported layout.
         */
        static double[][] sums(Tensor gy, Tensor xs) {
            Layout lg = layout(gy), lx = layout(xs);
            if (lg == null || lx == null || !java.util.Arrays.equals(gy.shape(), xs.shape()) || lg.rows() != lx.rows()) return null;
            float[] ga = lg.a(), xa = lx.a();
            int go = lg.off(), xo = lx.off(), c = lg.c();
            double[] sg = new double[c], sgx = new double[c];
            if (lg.rows()) {
                int rows = lg.n() / c, blocks = (rows + SUM_ROWS - 1) / SUM_ROWS;
                double[] part = new double[2 * blocks * c];
                Parallel.forEach(blocks, bk -> {
                    int r0 = bk * SUM_ROWS, r1 = Math.min(rows, r0 + SUM_ROWS), pb = 2 * bk * c;
                    for (int r = r0; r < r1; r++) {
                        int base = r * c;
                        for (int ch = 0; ch < c; ch++) {
                            double g = ga[go + base + ch];
                            part[pb + ch] += g;
                            part[pb + c + ch] += g * xa[xo + base + ch];
                        }
                    }
                });
                for (int bk = 0; bk < blocks; bk++)
                    for (int ch = 0; ch < c; ch++) {
                        sg[ch] += part[2 * bk * c + ch];
                        sgx[ch] += part[2 * bk * c + c + ch];
                    }
            } else {
                int inner = lg.inner(), images = lg.n() / (c * inner);
                Parallel.forRange(c, 1, (lo, hi) -> {
                    for (int ch = lo; ch < hi; ch++) {
                        double s1 = 0, s2 = 0;
                        for (int img = 0; img < images; img++) {
                            int base = (img * c + ch) * inner;
                            for (int i = 0; i < inner; i++) {
                                double g = ga[go + base + i];
                                s1 += g;
                                s2 += g * xa[xo + base + i];
                            }
                        }
                        sg[ch] = s1;
                        sgx[ch] = s2;
                    }
                });
            }
            return new double[][]{sg, sgx};
        }
    }
}
