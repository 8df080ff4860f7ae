package dev.sparkj.tensor.cpu;

import java.util.Arrays;

/**
 * Single-precision general matrix multiply on the CPU:
 * {@code C = alpha * op(A) * op(B) + beta * C}, with op(X) = X or X^T, row-major storage and leading
 * dimensions as in BLAS (row-major convention: element (i, j) of a non-transposed A is {@code a[offA + i * lda + j]}).
 *
 * <p>Shapes: op(A) is M x K, op(B) is K x N, C is M x N. A is stored M x K ({@code lda >= K}) or, when
 * {@code transA}, K x M ({@code lda >= M}); B is stored K x N ({@code ldb >= N}) or, when {@code transB},
 * N x K ({@code ldb >= K}); C is stored M x N ({@code ldc >= N}).
 *
 * <p>Semantics follow BLAS: when {@code beta == 0} C is not read (NaN or garbage in it is overwritten);
 * when {@code k == 0} or {@code alpha == 0} A and B are not read and C is only scaled by beta.
 *
 * <p>Implementation: packed panels, cache blocking and a register-tiled Vector API micro-kernel
 * ({@link VectorGemmKernel}, see {@link GemmDriver}), multi-threaded on {@link Parallel}'s pool with
 * results independent of the thread count. {@code -Dsparkj.gemm.scalar=true} (or a vector species
 * narrower than four lanes) selects the plain-Java {@link ScalarGemmKernel} on the same packed path.
 * Products with at most four inner terms take {@link ShallowGemm}, products {@code A B^T} with very few columns
 * {@link RowDots} (dot products of rows), and
 * products with up to 128 columns and a small B {@link #narrowProduct} (B packed once, A read in place).
 */
public final class Sgemm {
    private Sgemm() {}

    /**
     * The kernel every call uses, chosen once: {@link WideGemmKernel} (12 rows) where the vector species has
     * 16 float lanes or more (AVX-512, whose 32 vector registers hold its 24 accumulators), else
     * {@link VectorGemmKernel} (4 rows); {@code -Dsparkj.gemm.mr=4} or {@code =12} overrides the choice.
     */
    static final GemmKernel KERNEL = chooseKernel();

    private static GemmKernel chooseKernel() {
        if (Boolean.getBoolean("sparkj.gemm.scalar") || VectorGemmKernel.VL < 4) return new ScalarGemmKernel(4, 8);
        int mr = Integer.getInteger("sparkj.gemm.mr", VectorGemmKernel.VL >= 16 ? WideGemmKernel.MR : VectorGemmKernel.MR);
        if (mr == WideGemmKernel.MR) return new WideGemmKernel();
        if (mr == VectorGemmKernel.MR) return new VectorGemmKernel();
        throw new IllegalArgumentException("-Dsparkj.gemm.mr=" + mr + ": the GEMM kernels have "
                + VectorGemmKernel.MR + " or " + WideGemmKernel.MR + " rows");
    }

    /**
     * Computes {@code C = alpha * op(A) * op(B) + beta * C} with the default kernel, blocking and threads.
     *
     * @param transA whether A is stored transposed (A^T is M x K, A stored as K x M)
     * @param transB whether B is stored transposed (B stored as N x K)
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc) {
        gemm(KERNEL, GemmBlocking.DEFAULT, Parallel.threads(), transA, transB, m, n, k, alpha,
                a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    /** {@link #gemm} with an explicit kernel, blocking and worker count (tests compare them). */
    static void gemm(GemmKernel kern, GemmBlocking blk, int threads, boolean transA, boolean transB, int m, int n, int k,
                     float alpha, float[] a, int offA, int lda, float[] b, int offB, int ldb,
                     float beta, float[] c, int offC, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative size m=" + m + " n=" + n + " k=" + k);
        if (m == 0 || n == 0) return;
        checkStore("C", c, offC, ldc, m, n);
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, offC, ldc);
            return;
        }
        checkStore("A", a, offA, lda, transA ? k : m, transA ? m : k);
        checkStore("B", b, offB, ldb, transB ? n : k, transB ? k : n);
        Route route = route(kern, transA, transB, m, n, k, alpha, beta);
        switch (route) {
            case NARROW -> narrowProduct(threads, transB, m, n, k, b, offB, ldb, (r0, rn, bp, bOff) ->   // counts its FLOPs
                    DirectGemm.multiply(rn, n, k, a, offA + r0 * lda, lda, bp, bOff, c, offC + r0 * ldc, ldc));
            case ROW_DOTS -> RowDots.gemm(threads, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            case SHALLOW -> ShallowGemm.gemm(threads, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            case DEEP -> DeepGemm.gemm(threads, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            case PACKED -> GemmDriver.gemm(kern, blk, threads, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb,
                    beta, c, offC, ldc);
        }
        if (route != Route.NARROW) FlopCounter.add(2L * m * n * k);
    }

    /** Which of the five loop nests a product takes; {@link GatheredGemm} follows the same choice (A not transposed). */
    enum Route { SHALLOW, DEEP, NARROW, ROW_DOTS, PACKED }

    /**
     * The route of {@code C = alpha op(A) op(B) + beta C} (m, n, k at least 1): a few inner terms
     * ({@link ShallowGemm#suits}), a tiny C over very many inner terms ({@link DeepGemm#suits}), the few-column
     * product ({@link #narrow}), row dot products ({@link RowDots#suits}), or the packed loop nest
     * ({@link GemmDriver}). The first four need the vector kernel.
     */
    static Route route(GemmKernel kern, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta) {
        if (!(kern instanceof VectorGemmKernel || kern instanceof WideGemmKernel)) return Route.PACKED;
        if (ShallowGemm.suits(transA, k)) return Route.SHALLOW;
        if (DeepGemm.suits(transA, transB, m, n, k)) return Route.DEEP;
        if (narrow(transA, m, n, k, alpha, beta)) return Route.NARROW;
        return RowDots.suits(transA, transB, n, k) ? Route.ROW_DOTS : Route.PACKED;
    }

    /** Most floats of packed B for {@link #narrowProduct} (64K, 256 KiB: it stays in a core's L2). */
    static final int NARROW_MAX_B = 1 << 16;
    /** Widest C for {@link #narrowProduct}. */
    static final int NARROW_MAX_N = 128;
    /** Rows of A per task in {@link #narrowProduct} (fixed, so results do not depend on the thread count). */
    private static final int NARROW_ROWS = 64;

    /**
     * Whether {@code C = A B} takes {@link #narrowProduct}: A not transposed with many rows, C at most
     * {@link #NARROW_MAX_N} columns (a whole number of vectors) and B small enough to stay in L2.
     */
    static boolean narrow(boolean transA, int m, int n, int k, float alpha, float beta) {
        return !transA && alpha == 1f && beta == 0f && m >= 4 * NARROW_ROWS && n <= NARROW_MAX_N
                && n % VectorGemmKernel.VL == 0 && DirectGemm.packedSize(k, n) <= NARROW_MAX_B
                && !"false".equals(System.getProperty("sparkj.gemm.narrow")); // the switch, read at each call
    }

    /**
     * A product with few columns (a 1x1 convolution or linear layer down to 64-128 channels, or the input
     * gradient of one up from them): B is packed once and {@code rows} multiplies the rows of A by it in blocks
     * of {@link #NARROW_ROWS} rows over the workers; for {@link #gemm} that is {@link DirectGemm#multiply}, reading
     * A where it lies ({@link GatheredGemm} reads its rows through a tap table instead). On the packed
     * path each block of A was copied into panels before only {@code n / 16} tiles used it, which cost about
     * as much as those tiles' multiply-adds (m = 10000, n = 96, k = 384: 10.0 ms here against 11.9 ms).
     */
    static void narrowProduct(int threads, boolean transB, int m, int n, int k, float[] b, int offB, int ldb, NarrowRows rows) {
        float[] bp = NARROW_B.take(Align.FLOATS + DirectGemm.packedSize(k, n));
        try {
            DirectGemm.packB(transB, b, offB, ldb, k, n, bp, Align.FLOATS); // on a cache line, as GemmDriver's panels
            int blocks = (m + NARROW_ROWS - 1) / NARROW_ROWS;
            Parallel.Range range = (lo, hi) -> {
                for (int blk = lo; blk < hi; blk++) {
                    int r0 = blk * NARROW_ROWS;
                    rows.multiply(r0, Math.min(NARROW_ROWS, m - r0), bp, Align.FLOATS);
                }
            };
            if (threads > 1 && (long) m * n * k >= GemmDriver.PARALLEL_MIN_MACS) Parallel.forRange(blocks, 1, range);
            else range.run(0, blocks);
        } finally {
            NARROW_B.give(bp);
        }
    }

    /** One block of rows {@code [r0, r0 + rn)} of a few-column product, with B packed at {@code bp[bOff]} ({@link DirectGemm#packB}). */
    @FunctionalInterface
    interface NarrowRows {
        void multiply(int r0, int rn, float[] bp, int bOff);
    }

    private static final Scratch NARROW_B = new Scratch();

    /** C = beta * C (zero-filled when beta is zero, whatever C held). */
    private static void scale(int m, int n, float beta, float[] c, int offC, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = offC + i * ldc;
            if (beta == 0f) Arrays.fill(c, row, row + n, 0f);
            else if (beta != 1f) for (int j = 0; j < n; j++) c[row + j] *= beta;
        }
    }

    /** Checks that a {@code rows x cols} row-major matrix with leading dimension {@code ld} fits the array. */
    static void checkStore(String name, float[] x, int off, int ld, int rows, int cols) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("ld" + name.toLowerCase() + "=" + ld + " < " + cols + " columns of " + name);
        }
        long last = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IllegalArgumentException(name + " (" + rows + "x" + cols + ", ld " + ld + ", offset " + off
                    + ") does not fit an array of " + x.length);
        }
    }
}
