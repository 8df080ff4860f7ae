package dev.sparkj.tensor.cpu;

/**
 * The cache-blocked loop nest of {@link Sgemm}: for each NC-wide column block, B is packed once and
 * shared, in KC-deep slices (all of K at once when it fits {@link GemmBlocking#packedB()}); then each
 * task packs an MC-tall row block of A for those slices and takes it through them, the
 * {@link GemmKernel} sweeping tile by tile.
 *
 * <p>Work is split over {@link Parallel}'s pool on row blocks (and on B micro-panels when there are
 * fewer row blocks than threads; those parts then each pack the same small A block). Tile
 * boundaries are fixed multiples of MR and NR from the matrix origin and every C element is
 * accumulated by one task over k in increasing order, so results do not depend on the thread count
 * or on scheduling.
 *
 * <p>Blocking sizes come from {@link GemmBlocking}.
 */
final class GemmDriver {
    private GemmDriver() {}

    /**
     * Products with fewer multiply-adds than this (128^3, about 30-60 us on one core) run on the
     * calling thread: below it a fork-join costs a noticeable share of the work.
     */
    static final long PARALLEL_MIN_MACS = 1L << 21;

    /**
     * Where the packed B panels start in their buffer: on a cache line ({@link Align}). Every panel and every
     * row of one is a whole number of lines long (NR floats), so the micro-kernel's vector loads of B each lie
     * in one line. The scratch tile it writes C into is placed on a line of the A buffer the same way.
     */
    private static final int B0 = Align.FLOATS;
    /** Floats in a cache line. */
    private static final int LINE_FLOATS = Align.LINE / Float.BYTES;

    private static final Scratch A_BUF = new Scratch();
    private static final Scratch B_BUF = new Scratch();

    /**
     * Writes part of op(A) into micro-panels: rows {@code [i0, i0 + mc)}, columns {@code [p0, p0 + depth)}, in
     * the layout of {@link GemmPack#packA} (slices of {@code kcMax} columns, rows past {@code mc} zero).
     * Called from worker threads, each with its own {@code dst}.
     */
    @FunctionalInterface
    interface PackA {
        void pack(int i0, int mc, int p0, int depth, int kcMax, int mr, float[] dst);
    }

    /**
     * Writes micro-panels {@code [jp0, jp1)} of rows {@code [p0, p0 + kc)}, columns {@code [j0, j0 + nc)} of
     * op(B) at {@code dst[d0 + jp * kc * nr]}, in the layout of {@link GemmPack#packB} (columns past {@code nc}
     * zero). Called from worker threads on disjoint panels.
     */
    @FunctionalInterface
    interface PackB {
        void pack(int p0, int kc, int j0, int nc, int nr, int jp0, int jp1, float[] dst, int d0);
    }

    /** Computes {@code C = alpha * op(A) * op(B) + beta * C} for {@code m, n, k >= 1}. */
    static void gemm(GemmKernel kern, GemmBlocking blk, int threads, boolean transA, boolean transB,
                     int m, int n, int k, float alpha, float[] a, int offA, int lda, float[] b, int offB, int ldb,
                     float beta, float[] c, int offC, int ldc) {
        gemm(kern, blk, threads, m, n, k, alpha,
                (i0, mc, p0, depth, kcMax, mr, dst) -> GemmPack.packA(transA, a, offA, lda, i0, mc, p0, depth, kcMax, mr, dst),
                (p0, kc, j0, nc, nr, jp0, jp1, dst, d0) -> GemmPack.packB(transB, b, offB, ldb, p0, kc, j0, nc, nr, jp0, jp1, dst, d0),
                beta, c, offC, ldc);
    }

    /**
     * The same product with the operands given by their packers: the loop nest, blocking, threading and
     * summation order do not depend on where A and B come from, so a packer that writes the same panels as
     * {@link GemmPack} for some matrix gives the same C, bit for bit (how {@link GatheredGemm} multiplies
     * gathered rows without materialising them).
     */
    static void gemm(GemmKernel kern, GemmBlocking blk, int threads, int m, int n, int k, float alpha,
                     PackA packA, PackB packB, float beta, float[] c, int offC, int ldc) {
        final int mr = kern.mr(), nr = kern.nr();
        final int ncMax = Math.max(nr, blk.nc() / nr * nr);
        final int kcMax = Math.min(blk.kc(), k);
        final boolean par = threads > 1 && (long) m * n * k >= PARALLEL_MIN_MACS;
        final int workers = par ? threads : 1;

        // Row blocks: at most MC rows, a multiple of MR, and (when parallel) a multiple of the workers.
        final int mPanelsAll = ceilDiv(m, mr);
        int mBlocks = Math.min(roundUp(ceilDiv(m, Math.max(mr, blk.mc() / mr * mr)), workers), mPanelsAll);
        final int mc = roundUp(ceilDiv(m, mBlocks), mr);
        final int nRowBlocks = ceilDiv(m, mc);

        // A group of KC slices of B is packed at once (as many as the budget holds, ideally all of K):
        // each task then packs its row block of A for the whole group (long sequential reads of A) and
        // runs it through every slice while that part of C is still in cache; a group costs two
        // fork-joins (pack B, compute) instead of two per slice.
        final int ncPadMax = roundUp(Math.min(n, ncMax), nr);
        final int sliceLen = kcMax * ncPadMax;
        final int slicesAll = ceilDiv(k, kcMax);
        final int sliceLenA = roundUp(mc, mr) * kcMax;
        final int groupSlices = Math.max(1, Math.min(slicesAll,
                Math.min(blk.packedB() / sliceLen, blk.packedB() / sliceLenA)));

        float[] bBuf = B_BUF.take(B0 + groupSlices * sliceLen);
        try {
            for (int jc = 0; jc < n; jc += ncMax) {
                final int nc = Math.min(ncMax, n - jc);
                final int nPanels = ceilDiv(nc, nr);
                final int nParts = nRowBlocks < workers ? Math.min(nPanels, ceilDiv(workers, nRowBlocks)) : 1;
                for (int s0 = 0; s0 < slicesAll; s0 += groupSlices) {
                    final int g0 = s0, gSlices = Math.min(groupSlices, slicesAll - s0), j0 = jc;
                    final float[] bp = bBuf;
                    // Pack: units are (slice, panel) pairs; a slice's panel j lands at sliceLen * s + j * kc * nr.
                    Parallel.Range pack = (lo, hi) -> {
                        for (int u = lo; u < hi; ) {
                            int sl = u / nPanels, jpLo = u % nPanels, jpHi = Math.min(nPanels, jpLo + (hi - u));
                            int p0 = (g0 + sl) * kcMax, kc = Math.min(kcMax, k - p0);
                            packB.pack(p0, kc, j0, nc, nr, jpLo, jpHi, bp, B0 + sl * sliceLen);
                            u += jpHi - jpLo;
                        }
                    };
                    if (par) Parallel.forRange(gSlices * nPanels, 4, pack);
                    else pack.run(0, gSlices * nPanels);

                    // the tile scratch after the packed A, on a cache line (Align)
                    final int tileOff = Align.FLOATS + roundUp(gSlices * sliceLenA, LINE_FLOATS);
                    Parallel.Range compute = (lo, hi) -> {
                        float[] ap = A_BUF.take(tileOff + mr * nr);
                        try {
                            for (int t = lo; t < hi; t++) {
                                int i0 = (t / nParts) * mc, part = t % nParts;
                                int mcb = Math.min(mc, m - i0), aLen = roundUp(mcb, mr) * kcMax;
                                int jp0 = (int) ((long) nPanels * part / nParts);
                                int jp1 = (int) ((long) nPanels * (part + 1) / nParts);
                                int pg = g0 * kcMax, depth = Math.min(gSlices * kcMax, k - pg);
                                packA.pack(i0, mcb, pg, depth, kcMax, mr, ap);
                                for (int sl = 0; sl < gSlices; sl++) {
                                    int p0 = pg + sl * kcMax, kc = Math.min(kcMax, k - p0);
                                    sweep(kern, ap, sl * aLen, mcb, kc, bp, B0 + sl * sliceLen, jp0, jp1, nc,
                                            alpha, p0 == 0 ? beta : 1f, c, offC + i0 * ldc + j0, ldc, blk.nb(),
                                            tileOff);
                                }
                            }
                        } finally {
                            A_BUF.give(ap);
                        }
                    };
                    int tasks = nRowBlocks * nParts;
                    if (par) Parallel.forItems(tasks, compute);
                    else compute.run(0, tasks);
                }
            }
        } finally {
            B_BUF.give(bBuf);
        }
    }

    /**
     * Multiplies one packed row block of A (slice at {@code ap[aBase]}, {@code mcb} rows) by B
     * micro-panels {@code [jp0, jp1)} of the slice packed at {@code bp[bBase]}; {@code cb} indexes
     * C(i0, j0). Every tile, full or at an edge, is computed whole into the scratch tile at
     * {@code ap[tileOff]} (zero padding makes the extra rows and columns harmless) and its valid part
     * is merged into C.
     */
    private static void sweep(GemmKernel kern, float[] ap, int aBase, int mcb, int kc, float[] bp, int bBase,
                              int jp0, int jp1, int nc, float alpha, float beta, float[] c, int cb, int ldc,
                              int nb, int tileOff) {
        final int mr = kern.mr(), nr = kern.nr();
        final int mPanels = ceilDiv(mcb, mr);
        // Rows outer: one A micro-panel (MR x KC, 4 KiB) stays in L1 while it sweeps the B panels
        // and C is walked along its rows, which the hardware prefetchers follow. (Columns outer,
        // with C walked down its columns at stride ldc, measured 30% slower at 1024 x 1024.)
        // The sweep covers nb columns of B at a time, so that part of B stays in L2.
        final int nbPanels = Math.max(1, nb / nr);
        for (int jb = jp0; jb < jp1; jb += nbPanels) {
            final int je = Math.min(jp1, jb + nbPanels);
            for (int ip = 0; ip < mPanels; ip++) {
                final int rows = Math.min(mr, mcb - ip * mr);
                final int ao = aBase + ip * mr * kc;
                for (int jp = jb; jp < je; jp++) {
                    final int cols = Math.min(nr, nc - jp * nr);
                    kern.tile(kc, ap, ao, bp, bBase + jp * kc * nr, ap, tileOff);
                    kern.store(ap, tileOff, rows, cols, alpha, beta, c, cb + ip * mr * ldc + jp * nr, ldc);
                }
            }
        }
    }

    static int ceilDiv(int x, int y) { return (x + y - 1) / y; }

    static int roundUp(int x, int y) { return ceilDiv(x, y) * y; }
}
