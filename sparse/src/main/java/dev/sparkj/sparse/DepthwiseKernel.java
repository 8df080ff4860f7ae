package dev.sparkj.sparse;

import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The direct (no im2col) depthwise convolution kernels on packed F32 rows, on whole vectors of channels
 * with fused multiply-adds: forward {@code y[o, c] = b[c] + Σ_k x[row(o, k), c] · w[k, c]}, the input
 * gradient gathered per input row through {@link TapTable#outputsOf()} (no scatter races), and the
 * weight gradient as per-chunk partial sums added in a fixed order (results independent of the
 * thread count). Shapes: x {@code [Nin, C]}, w {@code [K, C]} (tap-major), y / gy {@code [Nout, C]}.
 */
final class DepthwiseKernel {
    private DepthwiseKernel() {}

    /**
     * The weight gradient's partial sums: at most this many chunks of rows, each at least {@link #CHUNK_ROWS} rows
     * (a chunk's sums are written out per tap and channel block, so a chunk of a few rows costs more in
     * bookkeeping than in multiply-adds). Both depend on the shape only, never on the thread count.
     */
    private static final int CHUNKS = 64, CHUNK_ROWS = 32;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Channels per register block: four vectors (32 on AVX2), summed in registers over all the taps. */
    private static final int BLOCK = 4 * VL;

    static Tensor forward(Tensor x, Tensor w, Tensor bias, TapTable table) {
        int c = x.shape(1), nOut = table.output().rows();
        Tensor y = HeapF32.zeros(x, nOut, c);
        taps(HeapF32.array(x), x.offset(), table.rows(), table.geometry().taps(), HeapF32.array(w), w.offset(),
                bias == null ? null : HeapF32.array(bias), bias == null ? 0 : bias.offset(), HeapF32.array(y), nOut, c);
        return y;
    }

    /** {@code gx[r, c] = Σ_k gy[out(r, k), c] · w[k, c]}: {@code [Nin, C]}. */
    static Tensor backwardInput(Tensor gy, Tensor w, TapTable table) {
        int c = gy.shape(1), nIn = table.input().rows();
        Tensor gx = HeapF32.zeros(gy, nIn, c);
        taps(HeapF32.array(gy), gy.offset(), table.outputsOf(), table.geometry().taps(), HeapF32.array(w), w.offset(),
                null, 0, HeapF32.array(gx), nIn, c);
        return gx;
    }

    /**
     * {@code dst[i, c] = b[c] + Σ_t src[index(i, t), c] · w[t, c]} over the taps t in order (missing taps, index
     * < 0, skipped): the forward pass through the tap table, the input gradient through the adjoint table. Each
     * block of {@link #BLOCK} channels of a row is summed in registers with fused multiply-adds over all the taps
     * and stored once (a loop that added each tap into the row in memory ran at 4-7 GFLOP/s on 2 cores: three
     * loads and a store per multiply-add).
     */
    private static void taps(float[] src, int so, int[] index, int k, float[] w, int wo, float[] b, int bo, float[] dst,
                             int rows, int c) {
        Parallel.forRange(rows, Math.max(1, 4096 / Math.max(1, c * k / 8)), (lo, hi) -> {
            int j = 0;
            for (; j + BLOCK <= c; j += BLOCK) {
                for (int i = lo; i < hi; i++) {
                    FloatVector a0, a1, a2, a3;
                    if (b == null) a0 = a1 = a2 = a3 = FloatVector.zero(S);
                    else {
                        a0 = FloatVector.fromArray(S, b, bo + j);
                        a1 = FloatVector.fromArray(S, b, bo + j + VL);
                        a2 = FloatVector.fromArray(S, b, bo + j + 2 * VL);
                        a3 = FloatVector.fromArray(S, b, bo + j + 3 * VL);
                    }
                    for (int t = 0; t < k; t++) {
                        int r = index[i * k + t];
                        if (r < 0) continue;
                        int sr = so + r * c + j, wr = wo + t * c + j;
                        a0 = FloatVector.fromArray(S, src, sr).fma(FloatVector.fromArray(S, w, wr), a0);
                        a1 = FloatVector.fromArray(S, src, sr + VL).fma(FloatVector.fromArray(S, w, wr + VL), a1);
                        a2 = FloatVector.fromArray(S, src, sr + 2 * VL).fma(FloatVector.fromArray(S, w, wr + 2 * VL), a2);
                        a3 = FloatVector.fromArray(S, src, sr + 3 * VL).fma(FloatVector.fromArray(S, w, wr + 3 * VL), a3);
                    }
                    int d = i * c + j;
                    a0.intoArray(dst, d);
                    a1.intoArray(dst, d + VL);
                    a2.intoArray(dst, d + 2 * VL);
                    a3.intoArray(dst, d + 3 * VL);
                }
            }
            for (; j < c; j += VL) { // the rest a vector at a time, the last one masked
                VectorMask<Float> m = S.indexInRange(j, c);
                for (int i = lo; i < hi; i++) {
                    FloatVector a = b == null ? FloatVector.zero(S) : FloatVector.fromArray(S, b, bo + j, m);
                    for (int t = 0; t < k; t++) {
                        int r = index[i * k + t];
                        if (r >= 0) a = FloatVector.fromArray(S, src, so + r * c + j, m).fma(FloatVector.fromArray(S, w, wo + t * c + j, m), a);
                    }
                    a.intoArray(dst, i * c + j, m);
                }
            }
        });
    }

    /**
     * {@code gw[k, c] = Σ_o gy[o, c] · x[row(o, k), c]}: {@code [K, C]}. The rows are cut into fixed chunks
     * (see {@link #CHUNKS}); each chunk's sums (per tap and block of channels in registers, over its rows in order) are
     * then added chunk by chunk, so the result does not depend on the thread count.
     */
    static Tensor backwardWeight(Tensor gy, Tensor x, TapTable table) {
        int c = gy.shape(1), k = table.geometry().taps(), nOut = gy.shape(0);
        float[] ga = HeapF32.array(gy), xa = HeapF32.array(x);
        int go = gy.offset(), xo = x.offset();
        int[] rows = table.rows();
        int chunks = Math.max(1, Math.min(CHUNKS, nOut / CHUNK_ROWS));
        float[][] partial = new float[chunks][];
        Parallel.forEach(chunks, ch -> {
            float[] p = new float[k * c];
            int lo = (int) ((long) nOut * ch / chunks), hi = (int) ((long) nOut * (ch + 1) / chunks);
            int j = 0;
            for (; j + BLOCK <= c; j += BLOCK)
                for (int t = 0; t < k; t++) {
                    FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                    for (int o = lo; o < hi; o++) {
                        int r = rows[o * k + t];
                        if (r < 0) continue;
                        int gr = go + o * c + j, xr = xo + r * c + j;
                        a0 = FloatVector.fromArray(S, ga, gr).fma(FloatVector.fromArray(S, xa, xr), a0);
                        a1 = FloatVector.fromArray(S, ga, gr + VL).fma(FloatVector.fromArray(S, xa, xr + VL), a1);
                        a2 = FloatVector.fromArray(S, ga, gr + 2 * VL).fma(FloatVector.fromArray(S, xa, xr + 2 * VL), a2);
                        a3 = FloatVector.fromArray(S, ga, gr + 3 * VL).fma(FloatVector.fromArray(S, xa, xr + 3 * VL), a3);
                    }
                    int d = t * c + j;
                    a0.intoArray(p, d);
                    a1.intoArray(p, d + VL);
                    a2.intoArray(p, d + 2 * VL);
                    a3.intoArray(p, d + 3 * VL);
                }
            for (; j < c; j += VL) { // the rest a vector at a time, the last one masked
                VectorMask<Float> m = S.indexInRange(j, c);
                for (int t = 0; t < k; t++) {
                    FloatVector a = FloatVector.zero(S);
                    for (int o = lo; o < hi; o++) {
                        int r = rows[o * k + t];
                        if (r >= 0) a = FloatVector.fromArray(S, ga, go + o * c + j, m).fma(FloatVector.fromArray(S, xa, xo + r * c + j, m), a);
                    }
                    a.intoArray(p, t * c + j, m);
                }
            }
            partial[ch] = p;
        });
        Tensor gw = HeapF32.zeros(gy, k, c);
        float[] wa = HeapF32.array(gw);
        for (float[] p : partial) for (int i = 0; i < wa.length; i++) wa[i] += p[i];
        return gw;
    }
}
