package dev.sparkj.sparse;

import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

/**
 * The direct (no im2col) depthwise convolution kernels on packed F32 rows, channel loops innermost so
 * the JIT vectorises them: forward {@code y[o, c] = b[c] + Σ_k x[row(o, k), c] · w[k, c]}, the input
 * gradient gathered per input row through {@link TapTable#outputsOf()} (no scatter races), and the
 * weight gradient as per-chunk partial sums added in a fixed order (results independent of the
 * thread count). Shapes: x {@code [Nin, C]}, w {@code [K, C]} (tap-major), y / gy {@code [Nout, C]}.
 */
final class DepthwiseKernel {
    private DepthwiseKernel() {}

    /** Fixed number of row chunks for the weight gradient's partial sums. */
    private static final int CHUNKS = 64;

    static Tensor forward(Tensor x, Tensor w, Tensor bias, TapTable table) {
        int c = x.shape(1), k = w.shape(0), nOut = table.output().rows();
        Tensor y = HeapF32.zeros(x, nOut, c);
        float[] xa = HeapF32.array(x), wa = HeapF32.array(w), ya = HeapF32.array(y);
        float[] ba = bias == null ? null : HeapF32.array(bias);
        int xo = x.offset(), wo = w.offset(), bo = bias == null ? 0 : bias.offset();
        int[] rows = table.rows();
        Parallel.forRange(nOut, Math.max(1, 4096 / Math.max(1, c * k / 8)), (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int yr = o * c;
                if (ba != null) System.arraycopy(ba, bo, ya, yr, c);
                for (int t = 0; t < k; t++) {
                    int r = rows[o * k + t];
                    if (r < 0) continue;
                    int xr = xo + r * c, wr = wo + t * c;
                    for (int j = 0; j < c; j++) ya[yr + j] += xa[xr + j] * wa[wr + j];
                }
            }
        });
        return y;
    }

    /** {@code gx[r, c] = Σ_k gy[out(r, k), c] · w[k, c]}: {@code [Nin, C]}. */
    static Tensor backwardInput(Tensor gy, Tensor w, TapTable table) {
        int c = gy.shape(1), k = w.shape(0), nIn = table.input().rows();
        Tensor gx = HeapF32.zeros(gy, nIn, c);
        float[] ga = HeapF32.array(gy), wa = HeapF32.array(w), xa = HeapF32.array(gx);
        int go = gy.offset(), wo = w.offset();
        int[] outs = table.outputsOf();
        Parallel.forRange(nIn, Math.max(1, 4096 / Math.max(1, c * k / 8)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int xr = r * c;
                for (int t = 0; t < k; t++) {
                    int o = outs[r * k + t];
                    if (o < 0) continue;
                    int gr = go + o * c, wr = wo + t * c;
                    for (int j = 0; j < c; j++) xa[xr + j] += ga[gr + j] * wa[wr + j];
                }
            }
        });
        return gx;
    }

    /** {@code gw[k, c] = Σ_o gy[o, c] · x[row(o, k), c]}: {@code [K, C]}. */
    static Tensor backwardWeight(Tensor gy, Tensor x, TapTable table) {
        int c = gy.shape(1), k = table.geometry().taps(), nOut = gy.shape(0);
        float[] ga = HeapF32.array(gy), xa = HeapF32.array(x);
        int go = gy.offset(), xo = x.offset();
        int[] rows = table.rows();
        int chunks = Math.max(1, Math.min(CHUNKS, nOut));
        float[][] partial = new float[chunks][];
        Parallel.forEach(chunks, ch -> {
            float[] p = new float[k * c];
            int lo = (int) ((long) nOut * ch / chunks), hi = (int) ((long) nOut * (ch + 1) / chunks);
            for (int o = lo; o < hi; o++) {
                int gr = go + o * c;
                for (int t = 0; t < k; t++) {
                    int r = rows[o * k + t];
                    if (r < 0) continue;
                    int xr = xo + r * c, pr = t * c;
                    for (int j = 0; j < c; j++) p[pr + j] += ga[gr + j] * xa[xr + j];
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
