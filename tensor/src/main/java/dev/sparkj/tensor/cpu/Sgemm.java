package dev.sparkj.tensor.cpu;

/**
 * Single-precision general matrix multiply on the CPU:
 * {@code C = alpha * op(A) * op(B) + beta * C}, with op(X) = X or X^T, row-major storage and leading
 * dimensions as in BLAS (row-major convention: element (i, j) of a non-transposed A is {@code a[offA + i * lda + j]}).
 *
 * <p>Multi-threaded on {@link Parallel}'s pool. (Placeholder implementation: a plain blocked loop;
 * the packed, register-tiled Vector API kernel replaces it.)
 */
public final class Sgemm {
    private Sgemm() {}

    /**
     * @param transA whether A is stored transposed (A^T is M x K, A stored as K x M)
     * @param transB whether B is stored transposed (B stored as N x K)
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int offA, int lda, float[] b, int offB, int ldb,
                            float beta, float[] c, int offC, int ldc) {
        Parallel.forRange(m, 16, (lo, hi) -> {
            float[] acc = new float[n];
            for (int i = lo; i < hi; i++) {
                java.util.Arrays.fill(acc, 0f);
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[offA + p * lda + i] : a[offA + i * lda + p];
                    if (av == 0f) continue;
                    if (!transB) {
                        int bo = offB + p * ldb;
                        for (int j = 0; j < n; j++) acc[j] += av * b[bo + j];
                    } else {
                        for (int j = 0; j < n; j++) acc[j] += av * b[offB + j * ldb + p];
                    }
                }
                int co = offC + i * ldc;
                for (int j = 0; j < n; j++) c[co + j] = alpha * acc[j] + (beta == 0f ? 0f : beta * c[co + j]);
            }
        });
    }
}
