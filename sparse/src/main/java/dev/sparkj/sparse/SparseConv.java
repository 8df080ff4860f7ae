package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.GatheredGemm;

/**
 * Sparse 2-D convolution on packed rows, equal to the reference's {@code mask(conv(masked input))}:
 * every output row is computed from the input rows its kernel taps read ({@link TapTable}; masked
 * and padding taps read zero). Forward and backward side by side:
 * <ul>
 *   <li>groups = 1 (and any grouped conv): im2col rows {@code [Nout, K*C]} × weight GEMM;
 *       input gradient = GEMM, then each input row sums its taps' columns (col2im through the adjoint
 *       table); weight gradient = GEMM over the re-gathered rows (not kept between forward and backward).
 *       With one group, F32 heap rows and at least {@link #GATHER_MIN_CHANNELS} channels the im2col matrix is
 *       never written out: the GEMMs read the input rows through the tap table ({@link GatheredGemm}, same
 *       floats), and at stride 1 the input gradient is the same kind of product on gy through the adjoint
 *       table (no {@code [Nout, K*C]} gradient, no col2im).</li>
 *   <li>1x1 stride 1: one GEMM on the rows, no gather.</li>
 *   <li>depthwise (groups = C = O): a direct per-channel kernel, no im2col.</li>
 * </ul>
 * F32 heap rows use the direct kernels ({@link GatherKernel}, {@link DepthwiseKernel}); other dtypes and
 * devices the same computation with index ops.
 * A strided conv moves the rows to the next scale (tile {@code t / stride}).
 */
final class SparseConv {
    private SparseConv() {}

    /** y = conv(x) on the visible output positions; w {@code [O, C/g, KH, KW]}, b {@code [O]} or null. */
    static SparseMap conv2d(SparseMap x, Variable w, Variable b, Conv2dSpec spec, String who) {
        SparseLayout in = x.layout();
        int[] ws = w.shape();
        int kh = ws[2], kw = ws[3];
        if (spec.strideH() != spec.strideW())
            throw new UnsupportedOperationException(who + ": sparse convolution needs a square stride, got " + spec);
        int outH = spec.outH(in.height(), kh), outW = spec.outW(in.width(), kw);
        TapTable.checkAligned(who, in.height(), in.width(), in.tile(), kh, kw, spec.strideH(), spec.padH(), spec.padW(),
                spec.dilationH(), spec.dilationW(), outH, outW);
        int c = x.channels(), g = spec.groups();
        if (ws.length != 4 || c % g != 0 || ws[0] % g != 0 || ws[1] != c / g)
            throw new IllegalArgumentException(who + ": input with " + c + " channels and weight " + java.util.Arrays.toString(ws) + " with groups " + g);
        TapTable table = in.mask().table(new TapTable.Geometry(in.tile(), kh, kw, spec.strideH(), spec.padH(), spec.padW(),
                spec.dilationH(), spec.dilationW()));
        SparseLayout out = table.output();
        if (x.mode() == SparseMap.Mode.MASKED_DENSE) {
            Variable y = F.conv2d(x.data(), w, b, spec);
            return SparseMap.maskedDense(F.mul(y, Variable.of(out.denseMask())), out);
        }
        Variable rows;
        if (g == 1 && table.geometry().isIdentity()) rows = pointwise(x.rows(), w, b);
        else if (g == c && ws[0] == c) rows = depthwise(x.rows(), w, b, table);
        else rows = grouped(x.rows(), w, b, g, table);
        return SparseMap.packed(rows, out);
    }

    /** 1x1 stride-1 conv: {@code y [N, O] = x [N, C] · W[O, C]ᵀ + b}. */
    private static Variable pointwise(Variable x, Variable w, Variable b) {
        int o = w.shape(0), c = w.shape(1);
        return F.linear(x, F.reshape(w, o, c), b);
    }

    /**
     * Grouped conv through im2col: a {@code [g, Nout, K*Cg]} (tap-major, channel-minor columns) times
     * the weight as {@code [g, Og, K*Cg]}, transposed. With one group and F32 heap rows the gathers
     * are the direct {@link GatherKernel}s; otherwise index ops.
     */
    private static Variable grouped(Variable x, Variable w, Variable b, int g, TapTable table) {
        Tensor xt = x.data(), wt = w.data();
        int[] xs = x.shape(), ws = w.shape();
        int nIn = xs[0], c = xs[1], cg = c / g, o = ws[0], og = o / g, kh = ws[2], kw = ws[3], k = kh * kw;
        int nOut = table.output().rows();
        boolean direct = g == 1 && HeapF32.eligible(xt);
        if (direct) xt = HeapF32.dense(xt);
        Tensor wg = wt.reshape(g, og, cg, kh, kw).permute(0, 1, 3, 4, 2).reshape(g, og, k * cg);     // [g, Og, K*Cg]
        boolean gathered = direct && gathers(c);
        Tensor y;
        if (gathered) {                                                                               // G wᵀ, G never written out
            Tensor w2 = HeapF32.dense(wg);
            y = HeapF32.zeros(xt, nOut, o);
            GatheredGemm.times(rows(xt, table), true, o, HeapF32.array(w2), w2.offset(), k * c, HeapF32.array(y), 0, o);
        } else {
            Tensor a = im2col(xt, table, g, direct);                                                  // [g, Nout, K*Cg]
            y = a.matmul(wg.transpose(1, 2));                                                         // [g, Nout, Og]
            a.storage().release(); // inside a Recycler scope its array goes back now (48 MB for the 7x7 stem at 224 px)
            y = g == 1 ? y.reshape(nOut, o) : y.permute(1, 0, 2).reshape(nOut, o);                    // [Nout, O]
        }
        if (b != null) y = y.addInPlace(b.data()); // y is this op's own fresh output
        return Node.record("sparseConv2d", new Variable[]{x, w, b}, y, new Tensor[]{xt, wg}, (n, gy) -> {
            Tensor gy3 = gy.reshape(nOut, g, og).permute(1, 0, 2);                                    // [g, Nout, Og]
            Tensor gx = null, gw = null;
            Tensor g2 = gathered && HeapF32.eligible(gy) ? HeapF32.dense(gy) : null;                   // gy row-major, for both products
            if (n.needs(0) && g2 != null && gathers(o) && nIn <= nOut) {
                // gx[r] = sum over taps t of gy[out(r, t)] W_t: the forward product's form on gy, read through the
                // adjoint table, with the weight as [K*O, C] (tap-major); no [Nout, K*C] gradient, no col2im. It does
                // Nin K O C multiply-adds against Nout K O C: only when the output has at least as many rows (stride 1;
                // at stride 2 three taps in four of the adjoint table are empty, and it measured 1.7x slower)
                Tensor wk = HeapF32.dense(n.saved(1).reshape(o, k, c).permute(1, 0, 2));
                gx = HeapF32.zeros(g2, nIn, c);
                GatheredGemm.times(new GatheredGemm.Rows(HeapF32.array(g2), g2.offset(), o, k, table.outputsOf(), nIn),
                        false, c, HeapF32.array(wk), wk.offset(), c, HeapF32.array(gx), 0, c);
            } else if (n.needs(0)) {
                Tensor ga = gy3.matmul(n.saved(1));                                                   // [g, Nout, K*Cg]
                if (direct && HeapF32.eligible(ga)) {
                    gx = GatherKernel.col2im(HeapF32.dense(ga), table, c);
                } else {
                    ga = ga.reshape(g, nOut, k, cg).permute(1, 2, 0, 3).reshape(nOut * k, c);         // [Nout*K, C]
                    gx = Tensor.zeros(ga.dtype(), ga.backend(), nIn, c).indexAdd(0, table.index(), ga);
                }
            }
            if (n.needs(1)) {
                Tensor gwg;                                                                           // [g, Og, K*Cg]
                if (g2 != null) {                                                                     // gyᵀ G, G never written out
                    gwg = HeapF32.zeros(g2, 1, o, k * c);
                    GatheredGemm.transposedTimes(o, HeapF32.array(g2), g2.offset(), o, rows(n.saved(0), table),
                            HeapF32.array(gwg), 0, k * c);
                } else {
                    Tensor a = im2col(n.saved(0), table, g, direct);
                    gwg = gy3.transpose(1, 2).matmul(a);
                    a.storage().release();
                }
                gw = gwg.reshape(g, og, kh, kw, cg).permute(0, 1, 4, 2, 3).reshape(o, cg, kh, kw).contiguous();
            }
            Tensor gb = n.needs(2) ? gy.sum(new int[]{0}, false) : null;
            return new Tensor[]{gx, gw, gb};
        });
    }

    /**
     * Fewest input channels for which the forward product and the weight gradient read the input rows through
     * the tap table ({@link GatheredGemm}) instead of a written-out im2col matrix: a tap contributes a run of C
     * consecutive floats, and with very few channels (the 3-channel stem) the written-out copy, which moves
     * several taps of a kernel row at once, is the better layout. {@code -Dsparkj.sparse.gathered=false} (read
     * at each call) writes im2col out for every convolution.
     */
    static final int GATHER_MIN_CHANNELS = 16;

    private static boolean gathers(int channels) {
        return channels >= GATHER_MIN_CHANNELS && !"false".equals(System.getProperty("sparkj.sparse.gathered"));
    }

    /** The im2col matrix of a dense F32 heap input {@code [Nin, C]}, as gathered rows (never written out). */
    private static GatheredGemm.Rows rows(Tensor x, TapTable table) {
        return new GatheredGemm.Rows(HeapF32.array(x), x.offset(), x.shape(1), table.geometry().taps(), table.rows(),
                table.output().rows());
    }

    /** The gathered rows of every (output row, tap), grouped: {@code [g, Nout, K*Cg]}. */
    private static Tensor im2col(Tensor x, TapTable table, int g, boolean direct) {
        if (direct) return GatherKernel.im2col(x, table);
        int c = x.shape(1), cg = c / g, k = table.geometry().taps(), nOut = table.output().rows();
        Tensor a = x.indexSelect(0, table.index());                                                   // [Nout*K, C]
        if (g == 1) return a.reshape(1, nOut, k * c);
        return a.reshape(nOut, k, g, cg).permute(2, 0, 1, 3).reshape(g, nOut, k * cg);
    }

    /**
     * Depthwise conv: {@code y[o, c] = b[c] + Σ_k x[row(o, k), c] · w[c, k]}. F32 heap rows take the direct
     * {@link DepthwiseKernel}; other dtypes / devices one gather per tap.
     */
    private static Variable depthwise(Variable x, Variable w, Variable b, TapTable table) {
        int[] ws = w.shape();
        int c = ws[0], k = ws[2] * ws[3];
        Tensor xt = x.data(), bt = b == null ? null : b.data();
        Tensor wk = w.data().reshape(c, k).transpose(0, 1).contiguous();                             // [K, C]
        boolean direct = HeapF32.eligible(xt, wk, bt);
        if (direct) xt = HeapF32.dense(xt);
        Tensor y = direct ? DepthwiseKernel.forward(xt, wk, bt == null ? null : HeapF32.dense(bt), table) : depthwiseTaps(xt, wk, bt, table);
        return Node.record("sparseDepthwiseConv2d", new Variable[]{x, w, b}, y, new Tensor[]{xt, wk}, (n, gy) -> {
            Tensor xs = n.saved(0), w2 = n.saved(1), g = gy;
            boolean fast = direct && HeapF32.eligible(g);
            if (fast) g = HeapF32.dense(g);
            Tensor gx = !n.needs(0) ? null : fast ? DepthwiseKernel.backwardInput(g, w2, table) : depthwiseTapsInput(g, w2, table);
            Tensor gwk = !n.needs(1) ? null : fast ? DepthwiseKernel.backwardWeight(g, xs, table) : depthwiseTapsWeight(g, xs, table);
            Tensor gw = gwk == null ? null : gwk.transpose(0, 1).contiguous().reshape(ws);           // [K, C] -> [C, 1, KH, KW]
            Tensor gb = n.needs(2) ? g.sum(new int[]{0}, false) : null;
            return new Tensor[]{gx, gw, gb};
        });
    }

    /** Composed depthwise forward: one gather per tap, {@code [Nout, C]}. */
    private static Tensor depthwiseTaps(Tensor x, Tensor wk, Tensor bias, TapTable table) {
        Tensor y = null;
        for (int t = 0; t < wk.shape(0); t++) {
            Tensor term = x.indexSelect(0, table.tapIndex(t)).mul(wk.select(0, t));                  // [Nout, C]
            y = y == null ? term : y.add(term);
        }
        return bias == null ? y : y.add(bias);
    }

    private static Tensor depthwiseTapsInput(Tensor gy, Tensor wk, TapTable table) {
        Tensor gx = Tensor.zeros(gy.dtype(), gy.backend(), table.input().rows(), gy.shape(1));
        for (int t = 0; t < wk.shape(0); t++) gx = gx.indexAdd(0, table.tapIndex(t), gy.mul(wk.select(0, t)));
        return gx;
    }

    private static Tensor depthwiseTapsWeight(Tensor gy, Tensor x, TapTable table) {
        int k = table.geometry().taps();
        Tensor[] rows = new Tensor[k];
        for (int t = 0; t < k; t++) rows[t] = x.indexSelect(0, table.tapIndex(t)).mul(gy).sum(new int[]{0}, false);  // [C]
        return Tensor.stack(0, rows);                                                                 // [K, C]
    }
}
