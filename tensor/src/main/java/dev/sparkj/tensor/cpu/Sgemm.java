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
 * Products {@code A B^T} with very few columns take {@link RowDots} (dot products of rows) instead.
 */
public final class Sgemm {
    private Sgemm() {}

    /** The kernel every call uses, chosen once. */
    static final GemmKernel KERNEL = Boolean.getBoolean("sparkj.gemm.scalar") || VectorGemmKernel.VL < 4
            ? new ScalarGemmKernel(4, 8)
            : new VectorGemmKernel();

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
        if (kern instanceof VectorGemmKernel && RowDots.suits(transA, transB, n, k))
            RowDots.gemm(threads, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
        else
            GemmDriver.gemm(kern, blk, threads, transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb,
                    beta, c, offC, ldc);
        FlopCounter.add(2L * m * n * k);
    }

    /** C = beta * C (zero-filled when beta is zero, whatever C held). */
    private static void scale(int m, int n, float beta, float[] c, int offC, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = offC + i * ldc;
            if (beta == 0f) Arrays.fill(c, row, row + n, 0f);
            else if (beta != 1f) for (int j = 0; j < n; j++) c[row + j] *= beta;
        }
    }

    /** Checks that a {@code rows x cols} row-major matrix with leading dimension {@code ld} fits the array. */
    private static void checkStore(String name, float[] x, int off, int ld, int rows, int cols) {
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
