package dev.sparkj.tensor.cpu;

/**
 * The cache-blocked loop nest of {@link Sgemm} (Goto/BLIS order): for each NC-wide column block and
 * KC-deep slice, B is packed once and shared, then MC-tall row blocks of A are packed per task and
 * swept by the {@link GemmKernel} tile by tile.
 *
 * <p>Work is split over {@link Parallel}'s pool on row blocks (and on B micro-panels when there are
 * fewer row blocks than threads). Tile boundaries are fixed multiples of MR and NR from the matrix
 * origin and every C element is accumulated by one task over k in increasing order, so results do not
 * depend on the thread count or on scheduling.
 *
 * <p>Blocking sizes come from {@link GemmBlocking}.
 */
final class GemmDriver {
    private GemmDriver() {}

    /** Products with fewer multiply-adds than this run on the calling thread. */
    static final long PARALLEL_MIN_MACS = 1L << 18;

    private static final Scratch A_BUF = new Scratch();
    private static final Scratch B_BUF = new Scratch();

    /** Computes {@code C = alpha * op(A) * op(B) + beta * C} for {@code m, n, k >= 1}. */
    static void gemm(GemmKernel kern, GemmBlocking blk, int threads, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int offA, int lda, float[] b, int offB, int ldb,
                     float beta, float[] c, int offC, int ldc) {
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

        float[] bBuf = B_BUF.take(kcMax * roundUp(Math.min(n, ncMax), nr));
        try {
            for (int jc = 0; jc < n; jc += ncMax) {
                final int nc = Math.min(ncMax, n - jc);
                final int nPanels = ceilDiv(nc, nr);
                final int nParts = nRowBlocks < workers ? Math.min(nPanels, ceilDiv(workers, nRowBlocks)) : 1;
                for (int pc = 0; pc < k; pc += kcMax) {
                    final int kc = Math.min(kcMax, k - pc);
                    final float betaBlk = pc == 0 ? beta : 1f;
                    final int p0 = pc, j0 = jc;
                    final float[] bp = bBuf;
                    if (par) {
                        Parallel.forRange(nPanels, 4, (lo, hi) ->
                                GemmPack.packB(transB, b, offB, ldb, p0, kc, j0, nc, nr, lo, hi, bp));
                    } else {
                        GemmPack.packB(transB, b, offB, ldb, p0, kc, j0, nc, nr, 0, nPanels, bp);
                    }
                    int tasks = nRowBlocks * nParts;
                    Parallel.Range body = (lo, hi) -> {
                        for (int t = lo; t < hi; t++) {
                            int i0 = (t / nParts) * mc, part = t % nParts;
                            int mcb = Math.min(mc, m - i0);
                            int jp0 = (int) ((long) nPanels * part / nParts);
                            int jp1 = (int) ((long) nPanels * (part + 1) / nParts);
                            block(kern, transA, a, offA, lda, i0, mcb, p0, kc, bp, jp0, jp1, nc,
                                    alpha, betaBlk, c, offC + i0 * ldc + j0, ldc, blk.nb());
                        }
                    };
                    if (par) Parallel.forRange(tasks, 1, body);
                    else body.run(0, tasks);
                }
            }
        } finally {
            B_BUF.give(bBuf);
        }
    }

    /**
     * Packs one row block of A and multiplies it by B micro-panels {@code [jp0, jp1)}; {@code cb} indexes
     * C(i0, j0). Every tile, full or at an edge, is computed whole into a scratch tile (zero padding
     * makes the extra rows and columns harmless) and its valid part is merged into C.
     */
    private static void block(GemmKernel kern, boolean transA, float[] a, int offA, int lda,
                              int i0, int mcb, int p0, int kc, float[] bp, int jp0, int jp1, int nc,
                              float alpha, float beta, float[] c, int cb, int ldc, int nb) {
        final int mr = kern.mr(), nr = kern.nr();
        final int mPanels = ceilDiv(mcb, mr);
        final int tileOff = mPanels * mr * kc;
        float[] ap = A_BUF.take(tileOff + mr * nr);
        try {
            GemmPack.packA(transA, a, offA, lda, i0, mcb, p0, kc, mr, ap);
            // Rows outer: one A micro-panel (MR x KC, 4 KiB) stays in L1 while it sweeps the B panels
            // and C is walked along its rows, which the hardware prefetchers follow. (Columns outer,
            // with C walked down its columns at stride ldc, measured 30% slower at 1024 x 1024.)
            // The sweep covers nb columns of B at a time, so that part of B and the A block share L2.
            final int nbPanels = Math.max(1, nb / nr);
            for (int jb = jp0; jb < jp1; jb += nbPanels) {
                final int je = Math.min(jp1, jb + nbPanels);
                for (int ip = 0; ip < mPanels; ip++) {
                    final int rows = Math.min(mr, mcb - ip * mr);
                    final int ao = ip * mr * kc;
                    for (int jp = jb; jp < je; jp++) {
                        final int cols = Math.min(nr, nc - jp * nr);
                        kern.tile(kc, ap, ao, bp, jp * kc * nr, ap, tileOff);
                        kern.store(ap, tileOff, rows, cols, alpha, beta, c, cb + ip * mr * ldc + jp * nr, ldc);
                    }
                }
            }
        } finally {
            A_BUF.give(ap);
        }
    }

    static int ceilDiv(int x, int y) { return (x + y - 1) / y; }

    static int roundUp(int x, int y) { return ceilDiv(x, y) * y; }
}
