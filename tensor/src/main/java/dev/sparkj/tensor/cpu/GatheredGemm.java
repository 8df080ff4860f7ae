package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Objects;

/**
 * Matrix products with a gathered operand that is never written out ("implicit GEMM"), for sparse
 * convolutions. The im2col matrix of a convolution on packed rows is
 * <pre>
 *     G[i, t C + c] = x[row(i, t), c]        (0 where tap t of output row i reads nothing)
 * </pre>
 * (a {@link Rows}): every output row i reads, for each of its taps t, one whole input row of C channels. The
 * forward pass is {@code y = G W^T} and the weight gradient {@code gW = gy^T G}. Written out, G holds K = taps
 * copies of the input (46 MB for a 3x3 convolution over 20,000 rows of 64 channels), which is allocated,
 * cleared, filled and read once more by the GEMM's packing. Here the products read x through the row table
 * instead:
 * <ul>
 * <li>{@link #times} ({@code G op(B)}): where {@link Sgemm} would read A in place ({@link DirectGemm}'s
 *     few-column product), the tile kernels below broadcast straight from the input rows, switching rows
 *     at each tap; otherwise {@link GemmDriver} runs with an A packer that copies input rows into its
 *     micro-panels, where it would have copied rows of G.</li>
 * <li>{@link #transposedTimes} ({@code A^T G}): {@link GemmDriver} with a B packer that copies input rows
 *     into the B micro-panels.</li>
 * </ul>
 * The panels, tiles, blocking and summation order are those {@link Sgemm} uses for the written-out G, so
 * the results are the same floats, bit for bit (GatheredGemmTest compares them exactly). A missing tap
 * reads a shared array of zeros, so it adds {@code 0 * w} as the written-out zeros do.
 */
public final class GatheredGemm {
    private GatheredGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    private static final int NR = 2 * VL;
    /** Rows of k copied together across all B panels (as in {@link GemmPack}). */
    private static final int K_CHUNK = 8;

    /**
     * The gathered matrix {@code G [rows x taps * channels]}: {@code G[i, t * channels + c] =
     * x[offset + index[i * taps + t] * channels + c]}, or 0 where {@code index[i * taps + t] < 0}.
     */
    public record Rows(float[] x, int offset, int channels, int taps, int[] index, int rows) {
        public Rows {
            Objects.requireNonNull(x, "x");
            Objects.requireNonNull(index, "index");
            if (channels < 1 || taps < 1 || rows < 0 || offset < 0 || offset > x.length)
                throw new IllegalArgumentException("gathered rows: channels=" + channels + ", taps=" + taps + ", rows=" + rows
                        + ", offset=" + offset + " into " + x.length + " floats");
            if ((long) rows * taps > index.length)
                throw new IllegalArgumentException("gathered rows: " + rows + " rows of " + taps + " taps need " + (long) rows * taps
                        + " index entries, got " + index.length);
            long have = (x.length - (long) offset) / channels;
            for (int j = 0, n = rows * taps; j < n; j++)
                if (index[j] >= have)
                    throw new IllegalArgumentException("gathered rows: index[" + j + "] = " + index[j] + " but x holds "
                            + have + " rows of " + channels + " floats after offset " + offset);
        }

        /** Columns of G. */
        public int cols() { return taps * channels; }

        /** Where row i's tap t starts: an offset into x, or -1 for a tap that reads zeros. */
        int source(int i, int t) {
            int r = index[i * taps + t];
            return r < 0 ? -1 : offset + r * channels;
        }

        /** Copies {@code G[i, p .. p + len)} to {@code dst[d], dst[d + stride], ...}. */
        void copy(int i, int p, int len, float[] dst, int d, int stride) {
            int t = p / channels, cc = p - t * channels;
            while (len > 0) {
                int run = Math.min(channels - cc, len), s = source(i, t);
                if (s < 0) {
                    for (int q = 0; q < run; q++) dst[d + q * stride] = 0f;
                } else if (stride == 1) {
                    System.arraycopy(x, s + cc, dst, d, run);
                } else {
                    for (int q = 0; q < run; q++) dst[d + q * stride] = x[s + cc + q];
                }
                d += run * stride;
                len -= run;
                t++;
                cc = 0;
            }
        }
    }

    // ------------------------------------------------------------------ the two products

    /**
     * {@code C = G op(B)}: C {@code [g.rows() x n]} (leading dimension ldc), op(B) {@code [g.cols() x n]}, stored
     * {@code n x g.cols()} when {@code transB}. C is overwritten (never read). The same floats as
     * {@code Sgemm.gemm(false, transB, g.rows(), n, g.cols(), 1, G, ..., 0, C, ...)} on the written-out G.
     */
    public static void times(Rows g, boolean transB, int n, float[] b, int offB, int ldb, float[] c, int offC, int ldc) {
        int m = g.rows(), k = g.cols();
        if (n < 0) throw new IllegalArgumentException("negative size n=" + n);
        if (m == 0 || n == 0) return;
        Sgemm.checkStore("C", c, offC, ldc, m, n);
        Sgemm.checkStore("B", b, offB, ldb, transB ? n : k, transB ? k : n);
        int threads = Parallel.threads();
        Sgemm.Route route = Sgemm.route(Sgemm.KERNEL, false, transB, m, n, k, 1f, 0f);
        switch (route) {
            case NARROW -> {
                float[] zero = zeros(g.channels());
                Sgemm.narrowProduct(threads, transB, m, n, k, b, offB, ldb, (r0, rn, bp, bOff) -> narrowRows(g, r0, rn, n, bp, bOff, zero, c, offC, ldc));
            }
            case ROW_DOTS, SHALLOW -> { // a handful of columns or inner terms: written out, as Sgemm would read it
                try (Workspace.Lease ws = Workspace.lease()) {
                    float[] a = ws.floats(m * k);
                    Parallel.forRange(m, Math.max(1, 8192 / k), (lo, hi) -> {
                        for (int i = lo; i < hi; i++) g.copy(i, 0, k, a, i * k, 1);
                    });
                    if (route == Sgemm.Route.SHALLOW) ShallowGemm.gemm(threads, transB, m, n, k, 1f, a, 0, k, b, offB, ldb, 0f, c, offC, ldc);
                    else RowDots.gemm(threads, m, n, k, 1f, a, 0, k, b, offB, ldb, 0f, c, offC, ldc);
                }
            }
            case DEEP -> throw new AssertionError("DeepGemm takes transposed A only");
            case PACKED -> GemmDriver.gemm(Sgemm.KERNEL, GemmBlocking.DEFAULT, threads, m, n, k, 1f,
                    (i0, mc, p0, depth, kcMax, mr, dst) -> packA(g, i0, mc, p0, depth, kcMax, mr, dst),
                    (p0, kc, j0, nc, nr, jp0, jp1, dst, d0) -> GemmPack.packB(transB, b, offB, ldb, p0, kc, j0, nc, nr, jp0, jp1, dst, d0),
                    0f, c, offC, ldc);
        }
        FlopCounter.add(2L * m * n * k);
    }

    /**
     * {@code C = A^T G}: C {@code [m x g.cols()]} (ldc), A stored {@code [g.rows() x m]} (lda). C is overwritten.
     * The same floats as {@code Sgemm.gemm(true, false, m, g.cols(), g.rows(), 1, A, ..., G, ..., 0, C, ...)}.
     */
    public static void transposedTimes(int m, float[] a, int offA, int lda, Rows g, float[] c, int offC, int ldc) {
        int n = g.cols(), k = g.rows();
        if (m < 0) throw new IllegalArgumentException("negative size m=" + m);
        if (m == 0) return;
        Sgemm.checkStore("C", c, offC, ldc, m, n);
        if (k == 0) {
            for (int i = 0; i < m; i++) Arrays.fill(c, offC + i * ldc, offC + i * ldc + n, 0f);
            return;
        }
        Sgemm.checkStore("A", a, offA, lda, k, m);
        GemmDriver.gemm(Sgemm.KERNEL, GemmBlocking.DEFAULT, Parallel.threads(), m, n, k, 1f,
                (i0, mc, p0, depth, kcMax, mr, dst) -> GemmPack.packA(true, a, offA, lda, i0, mc, p0, depth, kcMax, mr, dst),
                (p0, kc, j0, nc, nr, jp0, jp1, dst, d0) -> packB(g, p0, kc, j0, nc, nr, jp0, jp1, dst, d0),
                0f, c, offC, ldc);
        FlopCounter.add(2L * m * n * k);
    }

    // ------------------------------------------------------------------ packers (GemmPack's layouts)

    /** {@link GemmPack#packA} (A not transposed) for A = G: input rows copied into the micro-panels. */
    static void packA(Rows g, int i0, int mc, int p0, int depth, int kcMax, int mr, float[] dst) {
        int panels = (mc + mr - 1) / mr, sliceLen = panels * mr * kcMax, ch = g.channels();
        float[] zero = zeros(ch);
        for (int ip = 0; ip < panels; ip++) {
            int rows = Math.min(mr, mc - ip * mr), i = i0 + ip * mr;
            for (int s = 0, ps = 0; ps < depth; s++, ps += kcMax) {
                int kc = Math.min(kcMax, depth - ps), d0 = s * sliceLen + ip * kc * mr;
                if (rows < mr) Arrays.fill(dst, d0, d0 + kc * mr, 0f);
                if (rows != 4 || mr != 4) {
                    for (int r = 0; r < rows; r++) g.copy(i + r, p0 + ps, kc, dst, d0 + r, mr);
                    continue;
                }
                // four rows at once, one run of columns inside a tap at a time (GemmPack writes 4 floats per column too)
                int p = p0 + ps, end = p + kc, t = p / ch, cc = p - t * ch, d = d0;
                while (p < end) {
                    int run = Math.min(ch - cc, end - p);
                    int o0 = g.source(i, t), o1 = g.source(i + 1, t), o2 = g.source(i + 2, t), o3 = g.source(i + 3, t);
                    float[] s0 = o0 < 0 ? zero : g.x(), s1 = o1 < 0 ? zero : g.x(), s2 = o2 < 0 ? zero : g.x(), s3 = o3 < 0 ? zero : g.x();
                    o0 = Math.max(o0, 0) + cc;
                    o1 = Math.max(o1, 0) + cc;
                    o2 = Math.max(o2, 0) + cc;
                    o3 = Math.max(o3, 0) + cc;
                    for (int q = 0; q < run; q++, d += 4) {
                        dst[d] = s0[o0 + q];
                        dst[d + 1] = s1[o1 + q];
                        dst[d + 2] = s2[o2 + q];
                        dst[d + 3] = s3[o3 + q];
                    }
                    p += run;
                    t++;
                    cc = 0;
                }
            }
        }
    }

    /** {@link GemmPack#packB} (B not transposed) for B = G: the k rows of B are rows of G. */
    static void packB(Rows g, int p0, int kc, int j0, int nc, int nr, int jp0, int jp1, float[] dst, int d0) {
        int ch = g.channels();
        for (int jp = jp0; jp < jp1; jp++)
            if (Math.min(nr, nc - jp * nr) < nr) Arrays.fill(dst, d0 + jp * kc * nr, d0 + (jp + 1) * kc * nr, 0f);
        float[] x = g.x();
        for (int pb = 0; pb < kc; pb += K_CHUNK) {
            int pe = Math.min(kc, pb + K_CHUNK);
            for (int jp = jp0; jp < jp1; jp++) {
                int cols = Math.min(nr, nc - jp * nr), base = d0 + jp * kc * nr, j = j0 + jp * nr;
                int t = j / ch, cc = j - t * ch;
                if (nr == NR && cols == NR && cc + NR <= ch) { // the panel lies inside one tap: two vectors per row
                    for (int p = pb; p < pe; p++) {
                        int s = g.source(p0 + p, t), d = base + p * nr;
                        if (s < 0) {
                            FloatVector.zero(S).intoArray(dst, d);
                            FloatVector.zero(S).intoArray(dst, d + VL);
                        } else {
                            FloatVector.fromArray(S, x, s + cc).intoArray(dst, d);
                            FloatVector.fromArray(S, x, s + cc + VL).intoArray(dst, d + VL);
                        }
                    }
                } else {
                    for (int p = pb; p < pe; p++) g.copy(p0 + p, j, cols, dst, base + p * nr, 1);
                }
            }
        }
    }

    // ------------------------------------------------------------------ the few-column product (DirectGemm's, gathered)

    /**
     * Rows {@code [r0, r0 + rn)} of {@code C = G B} for {@link Sgemm#narrowProduct} (B packed at {@code bp[bOff]}), as
     * {@link DirectGemm#multiply} tiles them: four rows by one B panel at a time, then the leftover rows one by one;
     * each C element one chain of fused multiply-adds over k from zero.
     */
    private static void narrowRows(Rows g, int r0, int rn, int n, float[] bp, int bOff, float[] zero, float[] c, int offC, int ldc) {
        int k = g.cols(), panels = (n + NR - 1) / NR, r = r0, end = r0 + rn;
        for (; r + 4 <= end; r += 4)
            for (int jp = 0; jp < panels; jp++)
                tile4(g, r, zero, bp, bOff + jp * k * NR, c, offC + r * ldc + jp * NR, ldc, n - jp * NR >= NR);
        for (; r < end; r++)
            for (int jp = 0; jp < panels; jp++)
                tile1(g, r, zero, bp, bOff + jp * k * NR, c, offC + r * ldc + jp * NR, n - jp * NR >= NR);
    }

    /**
     * Rows i..i+3 of G times one B panel into a 4 x NR tile of C: DirectGemm.tile4 with A read through the table, its
     * source rows changing at each tap. {@code both}: a full panel; else only the first vector of columns is stored
     * (a half-used last panel, whose other half multiplies B's zero padding: rare enough here, with channel counts
     * in multiples of 16, that DirectGemm's separate one-vector kernel is not repeated).
     */
    private static void tile4(Rows g, int i, float[] zero, float[] bp, int bo, float[] c, int co, int ldc, boolean both) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        final int ch = g.channels(), taps = g.taps();
        final float[] x = g.x();
        for (int t = 0; t < taps; t++) {
            int o0 = g.source(i, t), o1 = g.source(i + 1, t), o2 = g.source(i + 2, t), o3 = g.source(i + 3, t);
            float[] s0 = o0 < 0 ? zero : x, s1 = o1 < 0 ? zero : x, s2 = o2 < 0 ? zero : x, s3 = o3 < 0 ? zero : x;
            o0 = Math.max(o0, 0);
            o1 = Math.max(o1, 0);
            o2 = Math.max(o2, 0);
            o3 = Math.max(o3, 0);
            int bt = bo + t * ch * NR;
            for (int q = 0; q < ch; q++) {
                int bi = bt + q * NR;
                FloatVector b0 = FloatVector.fromArray(S, bp, bi);
                FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
                FloatVector a = FloatVector.broadcast(S, s0[o0 + q]);
                c00 = a.fma(b0, c00);
                c01 = a.fma(b1, c01);
                a = FloatVector.broadcast(S, s1[o1 + q]);
                c10 = a.fma(b0, c10);
                c11 = a.fma(b1, c11);
                a = FloatVector.broadcast(S, s2[o2 + q]);
                c20 = a.fma(b0, c20);
                c21 = a.fma(b1, c21);
                a = FloatVector.broadcast(S, s3[o3 + q]);
                c30 = a.fma(b0, c30);
                c31 = a.fma(b1, c31);
            }
        }
        c00.intoArray(c, co);
        c10.intoArray(c, co + ldc);
        c20.intoArray(c, co + 2 * ldc);
        c30.intoArray(c, co + 3 * ldc);
        if (!both) return;
        c01.intoArray(c, co + VL);
        c11.intoArray(c, co + ldc + VL);
        c21.intoArray(c, co + 2 * ldc + VL);
        c31.intoArray(c, co + 3 * ldc + VL);
    }

    /** One row of G times one B panel (the rows left over after the blocks of four); {@code both}: a full panel. */
    private static void tile1(Rows g, int i, float[] zero, float[] bp, int bo, float[] c, int co, boolean both) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        final int ch = g.channels(), taps = g.taps();
        for (int t = 0; t < taps; t++) {
            int o = g.source(i, t);
            float[] s = o < 0 ? zero : g.x();
            o = Math.max(o, 0);
            int bt = bo + t * ch * NR;
            for (int q = 0; q < ch; q++) {
                int bi = bt + q * NR;
                FloatVector a = FloatVector.broadcast(S, s[o + q]);
                c0 = a.fma(FloatVector.fromArray(S, bp, bi), c0);
                c1 = a.fma(FloatVector.fromArray(S, bp, bi + VL), c1);
            }
        }
        c0.intoArray(c, co);
        if (both) c1.intoArray(c, co + VL);
    }

    // ------------------------------------------------------------------ zeros for missing taps

    private static volatile float[] zeros = new float[64];

    /** A shared array of at least n zeros (read only). */
    private static float[] zeros(int n) {
        float[] z = zeros;
        if (z.length < n) zeros = z = new float[Math.max(n, 2 * z.length)];
        return z;
    }
}
