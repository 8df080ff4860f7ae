package dev.sparkj.nn;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Backend;
import dev.sparkj.tensor.BinaryOp;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Lanes;
import dev.sparkj.tensor.cpu.Parallel;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

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
 *
 * <p>An activation that follows the normalisation (ReLU, ReLU6: {@link Activation}) can run inside the same op:
 * the forward pass applies it to each value as it stores it, and the backward pass gates gy with the
 * activation's derivative, recomputing {@code z = (x - mean)·a + β} from the saved x with the forward's float
 * operations (so the gate is the one the separate activation would apply), before the sums and the input
 * gradient. That saves the activation's own passes over memory (read z, write y; read gy and y, write the
 * gated gradient) and one activation-sized tensor each way. Outputs and gradients are bit-identical to the
 * normalisation followed by {@code F.relu} / {@code F.relu6}.
 */
public final class BatchNormOps {
    private BatchNormOps() {}

    /** The activation applied after the normalisation, in the same op. */
    public enum Activation {
        /** None: the normalisation alone. */
        NONE,
        /** {@code max(z, 0)}; the gradient passes where {@code z > 0}. */
        RELU,
        /** {@code min(max(z, 0), 6)}; the gradient passes where {@code 0 < z < 6}. */
        RELU6;

        /** The activation that layer computes, when it is one that can run inside the normalisation's op, else null. */
        static Activation of(Object layer) {
            return layer instanceof ReLU ? RELU : layer instanceof ReLU6 ? RELU6 : null;
        }

        /** The activation as a separate op (the composed path). */
        Variable apply(Variable z) {
            return switch (this) {
                case NONE -> z;
                case RELU -> dev.sparkj.autograd.F.relu(z);
                case RELU6 -> dev.sparkj.autograd.F.relu6(z);
            };
        }
    }

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
        return normalize(x, gamma, beta, mean, invstd, count, batchStats, reducer, Activation.NONE);
    }

    /**
     * {@link #normalize} followed by {@code act}, in one op where x's layout takes the one-pass kernels (else the
     * normalisation, then the activation as its own op).
     */
    public static Variable normalize(Variable x, Variable gamma, Variable beta, double[] mean, double[] invstd,
                                     long count, boolean batchStats, BatchNorm2d.StatsReducer reducer, Activation act) {
        Tensor xd = x.data();
        int c = xd.shape(1);
        if (mean.length != c || invstd.length != c || gamma.data().numel() != c || beta.data().numel() != c)
            throw new IllegalArgumentException("BatchNorm over " + c + " channels with parameters of " + gamma.data().numel());
        double[] g = gamma.data().toDoubleArray(), bt = beta.data().toDoubleArray();
        double[] a = times(g, invstd);
        // Fast path (dense F32 heap layouts): y in one pass, and x itself saved for backward, where x - mean is
        // recomputed (the same float operation) instead of keeping a centred copy.
        Tensor yFused = Fused.scale(xd, mean, a, bt, act);
        if (yFused == null && act != Activation.NONE)
            return act.apply(normalize(x, gamma, beta, mean, invstd, count, batchStats, reducer, Activation.NONE));
        boolean fused = yFused != null;
        Tensor saved = fused ? xd : xd.sub(channelVector(mean, xd));            // x, or x - mean
        Tensor y = fused ? yFused : saved.mul(channelVector(a, xd)).add(channelVector(bt, xd));
        int[] axes = nonChannelAxes(xd.rank());
        double[] invC = invstd.clone(), meanC = mean.clone();
        DType gt = gamma.dtype(), bt2 = beta.dtype();
        Backend gb = gamma.data().backend(), bb = beta.data().backend();
        String name = (batchStats ? "batchNorm" : "batchNormEval") + (act == Activation.NONE ? "" : "+" + act.name().toLowerCase());
        Variable out = Node.record(name, new Variable[]{x, gamma, beta}, y, new Tensor[]{saved},
                (node, gy) -> {
                    Tensor xs = node.saved(0);
                    // gy goes through the activation's derivative once: inside the one-pass kernels below when they
                    // take gy's layout and use it (batch statistics), else here, first
                    Activation gate = act;
                    if (gate != Activation.NONE && !batchStats) {
                        gy = Fused.gate(gy, xs, meanC, a, bt, gate);
                        gate = Activation.NONE;
                    }
                    double[][] sums = fused ? Fused.sums(gy, xs, meanC, a, bt, gate) : null;
                    if (sums == null && gate != Activation.NONE) {
                        gy = Fused.gate(gy, xs, meanC, a, bt, gate);
                        gate = Activation.NONE;
                    }
                    Tensor xc = sums != null ? null : fused ? xs.sub(channelVector(meanC, xs)) : xs;   // x - mean
                    double[] sg = sums != null ? sums[0] : gy.sum(axes, false).toDoubleArray();                // Σgy
                    double[] sgxc = sums != null ? sums[1] : gy.mul(xc).sum(axes, false).toDoubleArray();      // Σgy·(x - mean)
                    double[] gGamma = times(invC, sgxc);
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
                            double[] p = slopes(a, invC, rsgxc, count), q = offsets(a, rsg, count);
                            // Fused.gradInput takes exactly the layout pairs Fused.sums takes
                            gx = sums != null ? Fused.gradInput(gy, a, xs, meanC, p, q, bt, gate, node.mayOverwrite(gy))
                                    : gy.mul(channelVector(a, gy)).add(xc.mul(channelVector(p, xc))).add(channelVector(q, gy));
                        }
                    }
                    return new Tensor[]{gx,
                            node.needs(1) ? vector(gGamma, gt, gb) : null,
                            node.needs(2) ? vector(sg, bt2, bb) : null};
                });
        // y is a function of the x this node saves: inside a Recycler scope a layer may give y's memory back once the
        // forward pass has read it (Storage.evict), and a later read recomputes it with the same kernel, bit for bit
        Node node = out.gradFn();
        if (fused && node != null && y.storage() instanceof HeapStorage h)
            h.recomputableFrom(y, () -> Fused.scale(node.saved(0), meanC, a, bt, act));
        return out;
    }

    // The per-channel loops of normalize and its backward live in these small methods, so that the two big methods
    // have no loop of their own: a loop that has run often enough gets its whole method compiled by C2 on the spot
    // (on-stack replacement), and with the launcher's foreground compilation the thread waits for it. For normalize
    // that happened in the second or third step of a SparK ResNet-50 run (tens of thousands of channel iterations
    // by then), and the two compilations of the method took about 0.3 s (JFR's jdk.Compilation events). Small
    // methods compile in milliseconds.

    /** {@code x[i] * y[i]}. */
    private static double[] times(double[] x, double[] y) {
        double[] r = new double[x.length];
        for (int i = 0; i < r.length; i++) r[i] = x[i] * y[i];
        return r;
    }

    /** The input gradient's factor of {@code x - mean}: {@code -a·invstd²·Σgy·(x - mean)/n} per channel. */
    private static double[] slopes(double[] a, double[] invstd, double[] sgxc, long count) {
        double[] p = new double[a.length];
        for (int i = 0; i < p.length; i++) p[i] = -a[i] * invstd[i] * invstd[i] * sgxc[i] / count;
        return p;
    }

    /** The input gradient's constant term: {@code -a·Σgy/n} per channel. */
    private static double[] offsets(double[] a, double[] sg, long count) {
        double[] q = new double[a.length];
        for (int i = 0; i < q.length; i++) q[i] = -a[i] * sg[i] / count;
        return q;
    }

    /**
     * One-pass kernels for dense F32 heap tensors: row-major ({@code [N, C, H, W]} images, packed {@code [rows, C]}
     * maps) or channels-last ({@code [N, C, H, W]} stored NHWC, as the decoder keeps its activations). The
     * elementwise ones do the same float operations in the same order as the composed tensor ops
     * ({@code d = x - mean}, then {@code d·a + b}; {@code gy·a + d·p + q}), so the bits are identical, without
     * activation-sized temporaries and without keeping a centred copy of x for backward. The per-channel sums
     * ({@link #stats}, {@link #sums}) are taken in double, vectorised across channels (rows) or along a plane,
     * in a fixed order: fixed blocks of rows whose partial sums are added in block order, so results never
     * depend on the number of threads. They return null for any other layout, and the caller then composes
     * tensor ops.
     */
    static final class Fused {
        private Fused() {}

        /** Elements per parallel chunk. */
        private static final int GRAIN = 1 << 15;
        /** Rows per partial sum over rows: fixed, so the order never depends on the threads. */
        private static final int SUM_ROWS = 1024;
        /** Floats per vector for the elementwise kernels (each lane does the scalar loop's float operations). */
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
        private static final int FL = F.length();
        /** Double lanes per vector (the float species' width, so half its lanes). */
        private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
        private static final int DL = D.length();
        /**
         * Float vectors of D's lane count, used only to load DL floats and widen them ({@link #widen}). All float
         * arithmetic runs on F: arithmetic on a second FloatVector class makes the call sites inside FloatVector
         * that both classes pass through carry two receiver types, and C2 then boxed vectors in unrelated kernels
         * (JFR found 0.3 GB of float[] per ResNet-50 step in the bias column sums). Widening a full F vector
         * instead needs its part 1, which goes through a slice; loading under a mask boxed the loads themselves.
         */
        private static final VectorSpecies<Float> FH =
                VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));

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

        /** Layouts of two tensors of one shape that can be walked together, or null. */
        private static Layout[] pair(Tensor g, Tensor x) {
            Layout lg = layout(g), lx = layout(x);
            if (lg == null || lx == null || !java.util.Arrays.equals(g.shape(), x.shape()) || lg.rows() != lx.rows()
                    || g.backend() != x.backend()) return null;
            return new Layout[]{lg, lx};
        }

        private static float[] arrayOf(Tensor t) {
            return ((HeapStorage) t.storage()).f32();
        }

        private static float[] floats(double[] v) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            return f;
        }

        /** act of one value, as the activation's vector kernel computes it (NaN kept). */
        static float activate(float z, Activation act) {
            return switch (act) {
                case NONE -> z;
                case RELU -> z <= 0f ? 0f : z;
                case RELU6 -> Math.min(Math.max(z, 0f), 6f);
            };
        }

        /** g where act lets the gradient through at z ({@code z > 0}, and {@code z < 6} for ReLU6), else +0. */
        static float gate(float g, float z, Activation act) {
            return switch (act) {
                case NONE -> g;
                case RELU -> z > 0f ? g : 0f;
                case RELU6 -> z > 0f && z < 6f ? g : 0f;
            };
        }

        /**
         * gy gated by act's derivative at {@code z = (x - mean)·a + b}, with z formed by the tensor ops the composed
         * forward uses ({@code (x - mean)·a + b}, the same float operations as the one-pass kernels): for the layouts
         * and modes the one-pass backward kernels do not gate themselves.
         */
        static Tensor gate(Tensor gy, Tensor x, double[] mean, double[] a, double[] b, Activation act) {
            Tensor z = x.sub(channelVector(mean, x)).mul(channelVector(a, x)).add(channelVector(b, x));
            return gy.apply(act == Activation.RELU ? BinaryOp.RELU_GRAD : BinaryOp.RELU6_GRAD, z);
        }

        private static DoubleVector widen(float[] a, int i) {
            return (DoubleVector) FloatVector.fromArray(FH, a, i).convertShape(VectorOperators.F2D, D, 0);
        }

        /**
         * {@code s1[o1 + j] += g[j]} and {@code s2[o2 + j] += g[j]·d[j]} in double for {@code j < FL}, where
         * {@code t = [d(FL) | g(FL)]}: the float lanes of one F vector pair, widened DL at a time.
         */
        private static void accumulate(float[] t, double[] s1, double[] s2, int o1, int o2) {
            for (int h = 0; h < FL; h += DL) {
                DoubleVector d = widen(t, h), g = widen(t, FL + h);
                DoubleVector.fromArray(D, s1, o1 + h).add(g).intoArray(s1, o1 + h);
                DoubleVector.fromArray(D, s2, o2 + h).add(g.mul(d)).intoArray(s2, o2 + h);
            }
        }

        /** Visits the flat range {@code [lo, hi)} of a {@code [outer, C, inner]} tensor as runs within one channel. */
        private interface Run { void apply(int from, int to, int channel); }

        /** Runs the rows {@code [lo, hi)} of a rows-of-C layout in parallel chunks of about {@link #GRAIN} elements. */
        private static void forRows(Layout l, Parallel.Range rows) {
            Parallel.forRange(l.n() / l.c(), Math.max(1, GRAIN / l.c()), rows);
        }

        /** One fixed block of rows {@code [r0, r1)}, the {@code bk}-th, of a sum over rows. */
        private interface RowBlock { void apply(int bk, int r0, int r1); }

        /** Fixed blocks of {@link #SUM_ROWS} rows that {@link #forRowBlocks} cuts {@code rows} into. */
        private static int rowBlocks(int rows) { return (rows + SUM_ROWS - 1) / SUM_ROWS; }

        /**
         * Runs the {@link #rowBlocks} blocks of {@code rows} in parallel (the cut never depends on the threads); the
         * caller adds their partial sums in block order.
         */
        private static void forRowBlocks(int rows, RowBlock block) {
            Parallel.forEach(rowBlocks(rows), bk -> block.apply(bk, bk * SUM_ROWS, Math.min(rows, (bk + 1) * SUM_ROWS)));
        }

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

        /**
         * The batch statistics of x in one pass, or null for other layouts. Per channel, values are taken
         * relative to a shift {@code s} (the channel's first value; any value near the data keeps the squares
         * small), {@code S1 = Σ(x - s)} and {@code S2 = Σ(x - s)²} in double, giving {@code Σx = n s + S1} and
         * {@code M2 = S2 - S1²/n}. Rows: each fixed block of {@link #SUM_ROWS} rows has its own shift (its first
         * row), and blocks are merged in order with {@link BatchStats#merge}. Planes: one sum per channel over
         * its planes in order.
         */
        static BatchStats stats(Tensor x) {
            Layout l = layout(x);
            if (l == null) return null;
            float[] xa = l.a();
            int xo = l.off(), c = l.c();
            if (l.rows()) {
                int rows = l.n() / c, blocks = rowBlocks(rows);
                BatchStats[] part = new BatchStats[blocks];
                forRowBlocks(rows, (bk, r0, r1) -> {
                    int n = r1 - r0;
                    double[] s1 = new double[c], s2 = new double[c], shift = new double[c];
                    for (int ch = 0; ch < c; ch++) shift[ch] = xa[xo + r0 * c + ch];
                    int vb = c - c % DL;
                    for (int r = r0; r < r1; r++) {
                        int base = xo + r * c, ch = 0;
                        for (; ch < vb; ch += DL) {
                            DoubleVector d = widen(xa, base + ch).sub(DoubleVector.fromArray(D, shift, ch));
                            DoubleVector.fromArray(D, s1, ch).add(d).intoArray(s1, ch);
                            DoubleVector.fromArray(D, s2, ch).add(d.mul(d)).intoArray(s2, ch);
                        }
                        for (; ch < c; ch++) {
                            double d = xa[base + ch] - shift[ch];
                            s1[ch] += d;
                            s2[ch] += d * d;
                        }
                    }
                    part[bk] = shifted(shift, s1, s2, n);
                });
                BatchStats all = part[0];
                for (int bk = 1; bk < blocks; bk++) all = all.merge(part[bk]);
                return all;
            }
            int inner = l.inner(), images = l.n() / (c * inner), vb = inner - inner % DL;
            double[] sum = new double[c], m2 = new double[c];
            long count = (long) images * inner;
            Parallel.forRange(c, 1, (lo, hi) -> {
                for (int ch = lo; ch < hi; ch++) {
                    double shift = xa[xo + ch * inner];
                    DoubleVector sv = DoubleVector.broadcast(D, shift), a1 = DoubleVector.zero(D), a2 = a1;
                    double t1 = 0, t2 = 0;
                    for (int img = 0; img < images; img++) {
                        int base = xo + (img * c + ch) * inner, i = 0;
                        for (; i < vb; i += DL) {
                            DoubleVector d = widen(xa, base + i).sub(sv);
                            a1 = a1.add(d);
                            a2 = a2.add(d.mul(d));
                        }
                        for (; i < inner; i++) {
                            double d = xa[base + i] - shift;
                            t1 += d;
                            t2 += d * d;
                        }
                    }
                    double s1 = Lanes.sum(a1) + t1, s2 = Lanes.sum(a2) + t2;
                    sum[ch] = count * shift + s1;
                    m2[ch] = Math.max(0, s2 - s1 * s1 / count);
                }
            });
            return new BatchStats(sum, m2, count);
        }

        /** Statistics from shifted sums over n values per channel. */
        private static BatchStats shifted(double[] shift, double[] s1, double[] s2, long n) {
            double[] sum = new double[shift.length], m2 = new double[shift.length];
            for (int ch = 0; ch < shift.length; ch++) {
                sum[ch] = n * shift[ch] + s1[ch];
                m2[ch] = Math.max(0, s2[ch] - s1[ch] * s1[ch] / n);
            }
            return new BatchStats(sum, m2, n);
        }

        /** {@code y = act((x - mean)·a + b)} per channel, or null for other layouts. */
        static Tensor scale(Tensor x, double[] mean, double[] a, double[] b, Activation act) {
            Layout l = layout(x);
            if (l == null) return null;
            float[] xa = l.a(), mf = floats(mean), af = floats(a), bf = floats(b);
            int xo = l.off();
            Tensor yT = x.emptyLike(); // same shape and memory order, dense from 0
            float[] y = arrayOf(yT);
            final boolean relu = act == Activation.RELU, relu6 = act == Activation.RELU6;
            if (l.rows()) {
                int c = l.c();
                int vb = F.loopBound(c);
                forRows(l, (lo, hi) -> {
                    for (int r = lo; r < hi; r++) {
                        int base = r * c, ch = 0;
                        for (; ch < vb; ch += FL) {
                            FloatVector z = FloatVector.fromArray(F, xa, xo + base + ch).sub(FloatVector.fromArray(F, mf, ch))
                                    .mul(FloatVector.fromArray(F, af, ch)).add(FloatVector.fromArray(F, bf, ch));
                            if (relu) z = z.blend(0f, z.compare(VectorOperators.LE, 0f));
                            else if (relu6) z = z.max(0f).min(6f);
                            z.intoArray(y, base + ch);
                        }
                        for (; ch < c; ch++) y[base + ch] = activate((xa[xo + base + ch] - mf[ch]) * af[ch] + bf[ch], act);
                    }
                });
            } else {
                forRuns(l, (from, to, ch) -> {
                    float m = mf[ch], s = af[ch], t = bf[ch];
                    FloatVector mv = FloatVector.broadcast(F, m), sv = FloatVector.broadcast(F, s), tv = FloatVector.broadcast(F, t);
                    int i = from;
                    for (int vb = from + F.loopBound(to - from); i < vb; i += FL) {
                        FloatVector z = FloatVector.fromArray(F, xa, xo + i).sub(mv).mul(sv).add(tv);
                        if (relu) z = z.blend(0f, z.compare(VectorOperators.LE, 0f));
                        else if (relu6) z = z.max(0f).min(6f);
                        z.intoArray(y, i);
                    }
                    for (; i < to; i++) y[i] = activate((xa[xo + i] - m) * s + t, act);
                });
            }
            return yT;
        }

        /**
         * {@code gz·a + (x - mean)·p + q} per channel (in that order), gz being gy gated by act's derivative at
         * {@code z = (x - mean)·a + b} (gy itself for {@link Activation#NONE}), or null unless gy and x share a
         * supported layout.
         */
        static Tensor gradInput(Tensor gy, double[] a, Tensor x, double[] mean, double[] p, double[] q, double[] b, Activation act,
                                boolean overwrite) {
            Layout[] lp = pair(gy, x);
            if (lp == null) return null;
            Layout lg = lp[0];
            float[] ga = lg.a(), xa = lp[1].a(), af = floats(a), mf = floats(mean), pf = floats(p), qf = floats(q), bf = floats(b);
            final boolean gated = act != Activation.NONE;
            // z >= top blocks the gradient too: 6 for ReLU6; NaN for ReLU, where no z compares >= NaN
            final float top = act == Activation.RELU6 ? 6f : Float.NaN;
            int go = lg.off(), xo = lp[1].off();
            // gx in gy's own array when the caller may overwrite gy and gy fills it from 0 (then gx[i] and gy[i] are one
            // element, each read before it is written); else a new tensor in gy's memory order
            Tensor gxT = overwrite && go == 0 && ga.length == lg.n() ? gy : gy.emptyLike();
            float[] gx = arrayOf(gxT);
            if (lg.rows()) {
                int c = lg.c();
                int vb = F.loopBound(c);
                forRows(lg, (lo, hi) -> {
                    for (int r = lo; r < hi; r++) {
                        int base = r * c, ch = 0;
                        // one loop per case, as in sums: a vector or mask chosen by a branch inside the loop may be
                        // kept as a heap object (JFR found 0.3 GB of boxed masks per ResNet-50 step here)
                        if (gated) for (; ch < vb; ch += FL) {
                            FloatVector d = FloatVector.fromArray(F, xa, xo + base + ch).sub(FloatVector.fromArray(F, mf, ch));
                            FloatVector av = FloatVector.fromArray(F, af, ch);
                            FloatVector z = d.mul(av).add(FloatVector.fromArray(F, bf, ch));
                            VectorMask<Float> on = z.compare(VectorOperators.GT, 0f).andNot(z.compare(VectorOperators.GE, top));
                            FloatVector.zero(F).blend(FloatVector.fromArray(F, ga, go + base + ch), on).mul(av)
                                    .add(d.mul(FloatVector.fromArray(F, pf, ch))).add(FloatVector.fromArray(F, qf, ch))
                                    .intoArray(gx, base + ch);
                        }
                        else for (; ch < vb; ch += FL) {
                            FloatVector d = FloatVector.fromArray(F, xa, xo + base + ch).sub(FloatVector.fromArray(F, mf, ch));
                            FloatVector.fromArray(F, ga, go + base + ch).mul(FloatVector.fromArray(F, af, ch))
                                    .add(d.mul(FloatVector.fromArray(F, pf, ch))).add(FloatVector.fromArray(F, qf, ch))
                                    .intoArray(gx, base + ch);
                        }
                        for (; ch < c; ch++) {
                            float d = xa[xo + base + ch] - mf[ch];
                            gx[base + ch] = gate(ga[go + base + ch], d * af[ch] + bf[ch], act) * af[ch] + d * pf[ch] + qf[ch];
                        }
                    }
                });
            } else {
                forRuns(lg, (from, to, ch) -> {
                    float s = af[ch], m = mf[ch], u = pf[ch], v = qf[ch], t = bf[ch];
                    FloatVector sv = FloatVector.broadcast(F, s), mv = FloatVector.broadcast(F, m);
                    FloatVector uv = FloatVector.broadcast(F, u), vv = FloatVector.broadcast(F, v), tv = FloatVector.broadcast(F, t);
                    int i = from, vb = from + F.loopBound(to - from);
                    if (gated) for (; i < vb; i += FL) {
                        FloatVector d = FloatVector.fromArray(F, xa, xo + i).sub(mv), z = d.mul(sv).add(tv);
                        VectorMask<Float> on = z.compare(VectorOperators.GT, 0f).andNot(z.compare(VectorOperators.GE, top));
                        FloatVector.zero(F).blend(FloatVector.fromArray(F, ga, go + i), on).mul(sv).add(d.mul(uv)).add(vv)
                                .intoArray(gx, i);
                    }
                    else for (; i < vb; i += FL) {
                        FloatVector d = FloatVector.fromArray(F, xa, xo + i).sub(mv);
                        FloatVector.fromArray(F, ga, go + i).mul(sv).add(d.mul(uv)).add(vv).intoArray(gx, i);
                    }
                    for (; i < to; i++) {
                        float d = xa[xo + i] - m;
                        gx[i] = gate(ga[go + i], d * s + t, act) * s + d * u + v;
                    }
                });
            }
            return gxT;
        }

        /**
         * {@code Σgy} and {@code Σgy·(x - mean)} per channel in one pass ({@code x - mean} rounded to float first,
         * as the forward pass forms it), summed in double: rows in fixed blocks of {@link #SUM_ROWS} rows whose
         * partial sums are then added in block order; planes channel by channel (image after image). Null unless
         * gy and x share a supported layout.
         */
        static double[][] sums(Tensor gy, Tensor x, double[] mean, double[] a, double[] b, Activation act) {
            Layout[] lp = pair(gy, x);
            if (lp == null) return null;
            Layout lg = lp[0];
            float[] ga = lg.a(), xa = lp[1].a(), mf = floats(mean), af = floats(a), bf = floats(b);
            final boolean gated = act != Activation.NONE;
            // z >= top blocks the gradient too: 6 for ReLU6; NaN for ReLU, where no z compares >= NaN
            final float top = act == Activation.RELU6 ? 6f : Float.NaN;
            int go = lg.off(), xo = lp[1].off(), c = lg.c();
            double[] sg = new double[c], sgx = new double[c];
            if (lg.rows()) {
                int rows = lg.n() / c, blocks = rowBlocks(rows), vb = c - c % FL;
                double[] part = new double[2 * blocks * c];
                forRowBlocks(rows, (bk, r0, r1) -> {
                    int p1 = 2 * bk * c, p2 = p1 + c;
                    float[] t = new float[2 * FL]; // x - mean, then gated gy, for FL channels
                    for (int r = r0; r < r1; r++) {
                        int base = r * c, ch = 0;
                        // one loop per case, so that no vector is chosen by a branch inside the loop: C2 may keep
                        // such a vector as a heap object (JFR found gigabytes of them here in a ResNet-50 step)
                        if (gated) for (; ch < vb; ch += FL) {
                            FloatVector xf = FloatVector.fromArray(F, xa, xo + base + ch).sub(FloatVector.fromArray(F, mf, ch));
                            FloatVector z = xf.mul(FloatVector.fromArray(F, af, ch)).add(FloatVector.fromArray(F, bf, ch));
                            VectorMask<Float> on = z.compare(VectorOperators.GT, 0f).andNot(z.compare(VectorOperators.GE, top));
                            xf.intoArray(t, 0);
                            FloatVector.zero(F).blend(FloatVector.fromArray(F, ga, go + base + ch), on).intoArray(t, FL);
                            accumulate(t, part, part, p1 + ch, p2 + ch);
                        }
                        else for (; ch < vb; ch += FL) {
                            FloatVector.fromArray(F, xa, xo + base + ch).sub(FloatVector.fromArray(F, mf, ch)).intoArray(t, 0);
                            FloatVector.fromArray(F, ga, go + base + ch).intoArray(t, FL);
                            accumulate(t, part, part, p1 + ch, p2 + ch);
                        }
                        for (; ch < c; ch++) {
                            float d = xa[xo + base + ch] - mf[ch];
                            double g = gate(ga[go + base + ch], d * af[ch] + bf[ch], act);
                            part[p1 + ch] += g;
                            part[p2 + ch] += g * d;
                        }
                    }
                });
                for (int bk = 0; bk < blocks; bk++)
                    for (int ch = 0; ch < c; ch++) {
                        sg[ch] += part[2 * bk * c + ch];
                        sgx[ch] += part[2 * bk * c + c + ch];
                    }
            } else {
                int inner = lg.inner(), images = lg.n() / (c * inner), vb = inner - inner % FL;
                Parallel.forRange(c, 1, (lo, hi) -> {
                    float[] t = new float[2 * FL];
                    double[] a1 = new double[FL], a2 = new double[FL];
                    for (int ch = lo; ch < hi; ch++) {
                        FloatVector mv = FloatVector.broadcast(F, mf[ch]);
                        FloatVector sv = FloatVector.broadcast(F, af[ch]), tv = FloatVector.broadcast(F, bf[ch]);
                        java.util.Arrays.fill(a1, 0);
                        java.util.Arrays.fill(a2, 0);
                        double s1 = 0, s2 = 0;
                        for (int img = 0; img < images; img++) {
                            int base = (img * c + ch) * inner, i = 0;
                            if (gated) for (; i < vb; i += FL) {
                                FloatVector xf = FloatVector.fromArray(F, xa, xo + base + i).sub(mv), z = xf.mul(sv).add(tv);
                                VectorMask<Float> on = z.compare(VectorOperators.GT, 0f).andNot(z.compare(VectorOperators.GE, top));
                                xf.intoArray(t, 0);
                                FloatVector.zero(F).blend(FloatVector.fromArray(F, ga, go + base + i), on).intoArray(t, FL);
                                accumulate(t, a1, a2, 0, 0);
                            }
                            else for (; i < vb; i += FL) {
                                FloatVector.fromArray(F, xa, xo + base + i).sub(mv).intoArray(t, 0);
                                FloatVector.fromArray(F, ga, go + base + i).intoArray(t, FL);
                                accumulate(t, a1, a2, 0, 0);
                            }
                            for (; i < inner; i++) {
                                float d = xa[xo + base + i] - mf[ch];
                                double g = gate(ga[go + base + i], d * af[ch] + bf[ch], act);
                                s1 += g;
                                s2 += g * d;
                            }
                        }
                        for (int j = 0; j < FL; j++) { s1 += a1[j]; s2 += a2[j]; }
                        sg[ch] = s1;
                        sgx[ch] = s2;
                    }
                });
            }
            return new double[][]{sg, sgx};
        }
    }
}
