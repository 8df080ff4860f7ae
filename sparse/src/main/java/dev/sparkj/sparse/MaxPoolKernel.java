package dev.sparkj.sparse;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

/**
 * Direct F32 sparse max pooling on packed rows: padding taps are skipped (-inf), masked taps read 0,
 * the first maximum in tap order wins (as PyTorch: a later tap must be strictly greater, NaN wins);
 * the winning tap of every output element is kept as a byte, and the gradient is gathered per input
 * row through {@link TapTable#outputsOf()}. Shapes: x {@code [Nin, C]}, y / gy {@code [Nout, C]}.
 */
final class MaxPoolKernel {
    private MaxPoolKernel() {}

    /** Windows up to this many taps keep their winner in a byte. */
    static final int MAX_TAPS = 127;

    /** Values {@code [Nout, C]} and winning taps (U8, {@code [Nout, C]}). */
    static Tensor[] forward(Tensor x, TapTable table) {
        int c = x.shape(1), k = table.geometry().taps(), nOut = table.output().rows();
        Tensor y = HeapF32.zeros(x, nOut, c);
        byte[] arg = new byte[nOut * c];
        float[] xa = HeapF32.array(x), ya = HeapF32.array(y);
        int xo = x.offset();
        int[] rows = table.rows();
        Parallel.forRange(nOut, Math.max(1, 4096 / Math.max(1, c * k / 4)), (lo, hi) -> {
            boolean[] started = new boolean[c];
            for (int o = lo; o < hi; o++) {
                int yr = o * c;
                java.util.Arrays.fill(started, false);
                for (int t = 0; t < k; t++) {
                    int r = rows[o * k + t];
                    if (r == TapTable.OUTSIDE) continue;
                    int xr = xo + r * c;
                    for (int j = 0; j < c; j++) {
                        float v = r < 0 ? 0f : xa[xr + j], best = ya[yr + j];
                        if (!started[j] || v > best || (Float.isNaN(v) && !Float.isNaN(best))) {
                            ya[yr + j] = v;
                            arg[yr + j] = (byte) t;
                            started[j] = true;
                        }
                    }
                }
            }
        });
        return new Tensor[]{y, Tensor.ofBytes(arg, DType.U8, nOut, c)};
    }

    /** {@code gx[r, c] = Σ_k [arg(out(r, k), c) == k] · gy[out(r, k), c]}: {@code [Nin, C]}. */
    static Tensor backward(Tensor gy, Tensor arg, TapTable table) {
        int c = gy.shape(1), k = table.geometry().taps(), nIn = table.input().rows();
        Tensor gx = HeapF32.zeros(gy, nIn, c);
        float[] ga = HeapF32.array(gy), xa = HeapF32.array(gx);
        byte[] aa = ((HeapStorage) arg.storage()).u8();
        int go = gy.offset(), ao = arg.offset();
        int[] outs = table.outputsOf();
        Parallel.forRange(nIn, Math.max(1, 4096 / Math.max(1, c * k / 4)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int xr = r * c;
                for (int t = 0; t < k; t++) {
                    int o = outs[r * k + t];
                    if (o < 0) continue;
                    int gr = go + o * c, ar = ao + o * c;
                    for (int j = 0; j < c; j++) if (aa[ar + j] == t) xa[xr + j] += ga[gr + j];
                }
            }
        });
        return gx;
    }
}
