package dev.sparkj.sparse;

import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

/**
 * Direct F32 row gathers of the sparse convolution: im2col (the input rows every output row's taps
 * read, {@code [Nout, K*C]}, zero for masked / padding taps) and its adjoint col2im, which sums each
 * input row's tap contributions by reading them through {@link TapTable#outputsOf()} — a gather per
 * input row, so no scatter races and a fixed summation order.
 */
final class GatherKernel {
    private GatherKernel() {}

    /** {@code a[o, k*C + c] = x[row(o, k), c]} or 0: {@code [1, Nout, K*C]}. */
    static Tensor im2col(Tensor x, TapTable table) {
        int c = x.shape(1), k = table.geometry().taps(), nOut = table.output().rows();
        Tensor a = HeapF32.zeros(x, 1, nOut, k * c);
        float[] xa = HeapF32.array(x), aa = HeapF32.array(a);
        int xo = x.offset();
        int[] rows = table.rows();
        Parallel.forRange(nOut, Math.max(1, 8192 / Math.max(1, k * c)), (lo, hi) -> {
            for (int o = lo; o < hi; o++)
                for (int t = 0, base = o * k; t < k; ) {
                    int r = rows[base + t];
                    if (r < 0) {
                        t++;
                        continue;
                    }
                    // taps that read consecutive input rows (a kernel row inside a tile) are one contiguous copy:
                    // for the 7x7 stem on 3 channels that is 21 floats at once instead of 3
                    int run = 1;
                    while (t + run < k && rows[base + t + run] == r + run) run++;
                    System.arraycopy(xa, xo + r * c, aa, (base + t) * c, run * c);
                    t += run;
                }
        });
        return a;
    }

    /** {@code gx[r, c] = Σ_k ga[out(r, k), k*C + c]} for ga {@code [Nout, K*C]} (row-major): {@code [Nin, C]}. */
    static Tensor col2im(Tensor ga, TapTable table, int c) {
        int k = table.geometry().taps(), nIn = table.input().rows();
        Tensor gx = HeapF32.zeros(ga, nIn, c);
        float[] ya = HeapF32.array(gx), aa = HeapF32.array(ga);
        int ao = ga.offset();
        int[] outs = table.outputsOf();
        Parallel.forRange(nIn, Math.max(1, 8192 / Math.max(1, k * c)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int yr = r * c;
                for (int t = 0; t < k; t++) {
                    int o = outs[r * k + t];
                    if (o < 0) continue;
                    int ar = ao + (o * k + t) * c;
                    for (int j = 0; j < c; j++) ya[yr + j] += aa[ar + j];
                }
            }
        });
        return gx;
    }
}
