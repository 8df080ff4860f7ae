package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha A^T B + beta C} for a tiny C and a very long inner dimension: A stored {@code k x m}, B stored
 * {@code k x n}, {@code m <= }{@link #MAX_M}, {@code n <= }{@link #MAX_N}, {@code k >= }{@link #MIN_K}. This is the
 * weight gradient of a 1x1 convolution with few channels on many pixels; SparK's decoder ends in one from 24
 * channels to 3 at 224x224, whose weight gradient is a 3 x 24 matrix summed over 802,816 pixels at batch 16.
 * {@link GemmDriver} gave that product one task (one row block, one column panel), so it ran on one thread, and
 * its 12 x 32 tiles multiplied mostly padding.
 *
 * <p>Here the inner dimension is cut into chunks of {@link #chunkRows} rows, a number that depends on k alone.
 * Each chunk runs on one worker and sums its rows into its own partial C: for each row p, each of the m values of
 * A's row is broadcast and fused with the row of B, so every element of a partial is one chain of fused
 * multiply-adds over the chunk's rows in order. The partials are then added in chunk order. The result is the
 * same floats whatever the thread count.
 */
final class DeepGemm {
    private DeepGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Most rows of C (values of A broadcast per inner row). */
    static final int MAX_M = 16;
    /** Most columns of C: four vectors of B per inner row at most. */
    static final int MAX_N = 4 * VL;
    /** Fewest inner rows: shorter products stay on the packed loop nest, where their one task is short anyway. */
    static final int MIN_K = 1 << 15;

    /** Whether {@link Sgemm} hands a product of this form to {@link #gemm}. */
    static boolean suits(boolean transA, boolean transB, int m, int n, int k) {
        return transA && !transB && m <= MAX_M && n <= MAX_N && k >= MIN_K;
    }

    /** Inner rows per chunk: at least 4096, and at most 64 chunks (a function of k only). */
    static int chunkRows(int k) {
        return Math.max(4096, (k + 63) / 64);
    }

    static void gemm(int threads, int m, int n, int k, float alpha, float[] a, int offA, int lda,
                     float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        final int rows = chunkRows(k), chunks = (k + rows - 1) / rows;
        final int nv = (n + VL - 1) / VL, np = nv * VL, size = m * np;
        final float[] partial = new float[chunks * size];
        Parallel.Range range = (lo, hi) -> {
            for (int ch = lo; ch < hi; ch++) {
                int p0 = ch * rows;
                chunk(m, n, nv, p0, Math.min(k, p0 + rows), a, offA, lda, b, offB, ldb, partial, ch * size, np);
            }
        };
        if (threads > 1) Parallel.forItems(chunks, range);
        else range.run(0, chunks);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float s = partial[i * np + j];
                for (int ch = 1; ch < chunks; ch++) s += partial[ch * size + i * np + j];
                int at = offC + i * ldc + j;
                c[at] = beta == 0f ? alpha * s : alpha * s + beta * c[at];
            }
    }

    /**
     * {@code part[i][j] = sum over p in [p0, p1) of a[p][i] b[p][j]} (rows of {@code np} floats from {@code po}). B's row
     * is loaded as nv vectors, the last one masked to n, and each of its vectors is fused with the m broadcast values.
     */
    private static void chunk(int m, int n, int nv, int p0, int p1, float[] a, int offA, int lda, float[] b, int offB,
                              int ldb, float[] part, int po, int np) {
        final VectorMask<Float> tail = S.indexInRange((nv - 1) * VL, n);
        for (int p = p0; p < p1; p++) {
            final int ar = offA + p * lda, br = offB + p * ldb;
            for (int v = 0; v < nv; v++) {
                FloatVector bv = v < nv - 1 ? FloatVector.fromArray(S, b, br + v * VL)
                        : FloatVector.fromArray(S, b, br + v * VL, tail);
                for (int i = 0, o = po + v * VL; i < m; i++, o += np)
                    FloatVector.broadcast(S, a[ar + i]).fma(bv, FloatVector.fromArray(S, part, o)).intoArray(part, o);
            }
        }
    }
}
