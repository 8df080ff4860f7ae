package dev.sparkj.tensor.cpu;

import java.util.Arrays;

/**
 * Builds the GEMM operands of a channels-last convolution: im2col rows of the input for the forward
 * pass and the weight gradient, and per-phase gather rows of the output gradient for the input
 * gradient (the strided transposed convolution split into its {@code sh x sw} sub-pixel phases).
 * Rows are built in parallel; every row is fully overwritten (zeros where a tap falls in the padding).
 */
final class Im2col {
    private Im2col() {}

    /**
     * Rows {@code r0 .. r0+rows} of the forward im2col matrix into {@code col} (leading dimension
     * {@code G * K}): row p is output pixel (n, oy, ox) in row-major order, laid out {@code [G][KH][KW][C/G]}.
     */
    static void forward(Nhwc x, ConvGeometry g, int r0, int rows, float[] col) {
        Parallel.forRange(rows, StridedLoops.grain(rows, g.groups() * g.k()), (lo, hi) -> forwardRows(x, g, r0, lo, hi, col, 0));
    }

    /** Rows {@code lo .. hi} (relative to {@code r0}) of {@link #forward}, on the calling thread; row r lands at {@code col[colOff + r * ld]}. */
    static void forwardRows(Nhwc x, ConvGeometry g, int r0, int lo, int hi, float[] col, int colOff) {
        final int G = g.groups(), cg = g.cg(), K = g.k(), ld = G * K, hw = g.ho() * g.wo();
        final boolean runs = G == 1 && g.dw() == 1 && x.sW() == cg;
        for (int r = lo; r < hi; r++) {
            int p = r0 + r, n = p / hw, rem = p % hw, oy = rem / g.wo(), ox = rem % g.wo();
            int iy0 = oy * g.sh() - g.ph(), ix0 = ox * g.sw() - g.pw();
            int xb = x.off() + n * x.sN(), dst = colOff + r * ld;
            if (runs) { // all kx of one ky are adjacent pixels: one copy per ky
                int kx0 = Math.max(0, -ix0), kx1 = Math.min(g.kw(), x.w() - ix0);
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = iy0 + ky * g.dh(), d = dst + ky * g.kw() * cg;
                    if (iy < 0 || iy >= x.h() || kx0 >= kx1) {
                        Arrays.fill(col, d, d + g.kw() * cg, 0f);
                        continue;
                    }
                    Arrays.fill(col, d, d + kx0 * cg, 0f);
                    System.arraycopy(x.a(), xb + iy * x.sH() + (ix0 + kx0) * x.sW(), col, d + kx0 * cg, (kx1 - kx0) * cg);
                    Arrays.fill(col, d + kx1 * cg, d + g.kw() * cg, 0f);
                }
                continue;
            }
            for (int gi = 0; gi < G; gi++)
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = iy0 + ky * g.dh();
                    boolean rowIn = iy >= 0 && iy < x.h();
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int ix = ix0 + kx * g.dw(), d = dst + gi * K + (ky * g.kw() + kx) * cg;
                        if (rowIn && ix >= 0 && ix < x.w()) copy(x.a(), xb + iy * x.sH() + ix * x.sW() + gi * cg, col, d, cg);
                        else Arrays.fill(col, d, d + cg, 0f);
                    }
                }
        }
    }

    /** The taps of one sub-pixel phase of the input gradient, highest first (so output pixels ascend). */
    record Phase(int ry, int rx, int[] kys, int[] kxs, int hr, int wr) {
        static Phase of(ConvGeometry g, int ry, int rx) {
            return new Phase(ry, rx, taps(ry, g.ph(), g.dh(), g.sh(), g.kh()), taps(rx, g.pw(), g.dw(), g.sw(), g.kw()),
                    (g.h() - ry + g.sh() - 1) / g.sh(), (g.w() - rx + g.sw() - 1) / g.sw());
        }

        private static int[] taps(int r, int pad, int dil, int stride, int k) {
            return java.util.stream.IntStream.iterate(k - 1, t -> t >= 0, t -> t - 1)
                    .filter(t -> Math.floorMod(r + pad - t * dil, stride) == 0).toArray();
        }

        /** Columns of one group's gather row: taps x O/G. */
        int k(ConvGeometry g) { return kys.length * kxs.length * g.og(); }

        int pixels(ConvGeometry g) { return g.n() * hr * wr; }
    }

    /**
     * Rows {@code r0 .. r0+rows} of phase ph's gather matrix (leading dimension {@code G * ph.k(g)}): row p
     * is input pixel (n, ry + j sh, rx + i sw), laid out {@code [G][taps y][taps x][O/G]} with the output
     * gradient at the pixel each tap reads from (zero outside the output).
     */
    static void phase(Nhwc gy, ConvGeometry g, Phase ph, int r0, int rows, float[] col) {
        final int G = g.groups(), og = g.og(), K = ph.k(g), ld = G * K, ntx = ph.kxs().length, per = ph.hr() * ph.wr();
        final boolean runs = G == 1 && g.dw() == 1 && gy.sW() == og;
        Parallel.forRange(rows, StridedLoops.grain(rows, ld), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int p = r0 + r, n = p / per, rem = p % per;
                int iy = ph.ry() + (rem / ph.wr()) * g.sh(), ix = ph.rx() + (rem % ph.wr()) * g.sw();
                int gb = gy.off() + n * gy.sN(), dst = r * ld;
                for (int ty = 0; ty < ph.kys().length; ty++) {
                    int oy = (iy + g.ph() - ph.kys()[ty] * g.dh()) / g.sh();
                    boolean rowIn = iy + g.ph() - ph.kys()[ty] * g.dh() >= 0 && oy < g.ho();
                    if (runs) { // taps kx descending read adjacent output pixels ox0, ox0 + 1, ...
                        int d = dst + ty * ntx * og;
                        int ox0 = Math.floorDiv(ix + g.pw() - ph.kxs()[0], g.sw());
                        int t0 = Math.max(0, -ox0), t1 = Math.min(ntx, g.wo() - ox0);
                        if (!rowIn || t0 >= t1) {
                            Arrays.fill(col, d, d + ntx * og, 0f);
                            continue;
                        }
                        Arrays.fill(col, d, d + t0 * og, 0f);
                        System.arraycopy(gy.a(), gb + oy * gy.sH() + (ox0 + t0) * gy.sW(), col, d + t0 * og, (t1 - t0) * og);
                        Arrays.fill(col, d + t1 * og, d + ntx * og, 0f);
                        continue;
                    }
                    for (int tx = 0; tx < ntx; tx++) {
                        int num = ix + g.pw() - ph.kxs()[tx] * g.dw(), ox = num / g.sw();
                        boolean in = rowIn && num >= 0 && ox < g.wo();
                        for (int gi = 0; gi < G; gi++) {
                            int d = dst + gi * K + (ty * ntx + tx) * og;
                            if (in) copy(gy.a(), gb + oy * gy.sH() + ox * gy.sW() + gi * og, col, d, og);
                            else Arrays.fill(col, d, d + og, 0f);
                        }
                    }
                }
            }
        });
    }

    /** A short copy: a plain loop below 16 elements, where arraycopy's call costs more than it saves. */
    static void copy(float[] src, int so, float[] dst, int d, int n) {
        if (n < 16) for (int i = 0; i < n; i++) dst[d + i] = src[so + i];
        else System.arraycopy(src, so, dst, d, n);
    }
}
