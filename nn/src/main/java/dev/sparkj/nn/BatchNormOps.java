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
                    double[] sg = gy.sum(axes, false).toDoubleArray();            // Σgy
                    double[] sgxc = gy.mul(xs).sum(axes, false).toDoubleArray();  // Σgy·(x - mean)
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
     * One-pass versions of the per-channel elementwise chains above for dense row-major F32 heap tensors
     * (NCHW images, packed {@code [rows, C]} maps): the same float operations in the same order, each
     * rounded to float as the composed tensor ops round them (so the bits are identical), without the
     * activation-sized temporaries of the composed form. They return null for any other layout, and the
     * caller then composes tensor ops.
     */
    static final class Fused {
        private Fused() {}

        /** Elements per parallel chunk. */
        private static final int GRAIN = 1 << 15;

        private static float[] array(Tensor t) {
            return t.dtype() == DType.F32 && t.storage() instanceof HeapStorage h && t.isContiguous() && t.rank() >= 2 ? h.f32() : null;
        }

        private static float[] floats(double[] v) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            return f;
        }

        /** Visits the flat range {@code [lo, hi)} of a {@code [outer, C, inner]} tensor as runs within one channel. */
        private interface Run { void apply(int from, int to, int channel); }

        private static void forRuns(int numel, int c, int inner, Run run) {
            Parallel.forRange(numel, GRAIN, (lo, hi) -> {
                int i = lo;
                while (i < hi) {
                    int plane = i / inner, end = Math.min(hi, (plane + 1) * inner);
                    run.apply(i, end, plane % c);
                    i = end;
                }
            });
        }

        /** {@code xc = x - mean} and {@code y = xc·a + b} per channel, or null when x is not a dense row-major F32 heap tensor. */
        static Tensor[] centreAndScale(Tensor x, double[] mean, double[] a, double[] b) {
            float[] xa = array(x);
            if (xa == null) return null;
            int[] shape = x.shape();
            int n = x.numel(), c = shape[1], inner = n / Math.max(1, shape[0] * c), xo = x.offset();
            if (n == 0 || inner == 0) return null;
            float[] mf = floats(mean), af = floats(a), bf = floats(b);
            float[] xc = new float[n], y = new float[n];
            forRuns(n, c, inner, (from, to, ch) -> {
                float m = mf[ch], s = af[ch], t = bf[ch];
                for (int i = from; i < to; i++) {
                    float d = xa[xo + i] - m;
                    xc[i] = d;
                    y[i] = d * s + t;
                }
            });
            return new Tensor[]{Tensor.of(xc, shape).to(x.backend()), Tensor.of(y, shape).to(x.backend())};
        }

        /** {@code gy·a + xs·p + q} per channel (in that order), or null unless gy and xs are dense row-major F32 heap tensors of one shape. */
        static Tensor gradInput(Tensor gy, double[] a, Tensor xs, double[] p, double[] q) {
            float[] ga = array(gy), xa = array(xs);
            if (ga == null || xa == null || !java.util.Arrays.equals(gy.shape(), xs.shape()) || gy.backend() != xs.backend()) return null;
            int[] shape = gy.shape();
            int n = gy.numel(), c = shape[1], inner = n / Math.max(1, shape[0] * c), go = gy.offset(), xo = xs.offset();
            if (n == 0 || inner == 0) return null;
            float[] af = floats(a), pf = floats(p), qf = floats(q);
            float[] gx = new float[n];
            forRuns(n, c, inner, (from, to, ch) -> {
                float s = af[ch], u = pf[ch], v = qf[ch];
                for (int i = from; i < to; i++) gx[i] = ga[go + i] * s + xa[xo + i] * u + v;
            });
            return Tensor.of(gx, shape).to(gy.backend());
        }

    }
}
