package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha A op(B) + beta C} for products with at most {@link #MAX_DEPTH} inner terms, A stored {@code m x k}:
 * each row of C is a combination of the k rows of B. SparK's decoder ends in a 1x1 convolution from 24 channels
 * to 3, whose input gradient is such a product: 802,816 rows, k = 3, n = 24 at batch 16. The packed path copied
 * A into panels and ran its 12 x 32 tiles three multiply-adds deep, each tile's store costing more than its
 * arithmetic.
 *
 * <p>Here B is laid out once as k rows of whole vectors (zero rows up to {@link #MAX_DEPTH}); for each vector-wide
 * strip of columns the k rows of B stay in registers and every row of A makes
 * {@code c = fma(a[i, 3], b[3], fma(a[i, 2], b[2], fma(a[i, 1], b[1], a[i, 0] * b[0])))}, the terms in order
 * (missing terms add 0 * 0). Rows go to the workers in fixed blocks, so results do not depend on the thread count.
 */
final class ShallowGemm {
    private ShallowGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Most inner terms taken this way. */
    static final int MAX_DEPTH = 4;
    /** Rows per task. */
    private static final int ROWS = 256;

    /** Whether {@link Sgemm} hands a product of this form to {@link #gemm}. */
    static boolean suits(boolean transA, int k) {
        return !transA && k <= MAX_DEPTH;
    }

    static void gemm(int threads, boolean transB, int m, int n, int k, float alpha, float[] a, int offA, int lda,
                     float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        final int nP = (n + VL - 1) / VL * VL;
        final float[] bp = new float[MAX_DEPTH * nP];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) bp[p * nP + j] = transB ? b[offB + j * ldb + p] : b[offB + p * ldb + j];
        int blocks = (m + ROWS - 1) / ROWS;
        Parallel.Range range = (lo, hi) -> {
            for (int blk = lo; blk < hi; blk++) {
                int i0 = blk * ROWS, i1 = Math.min(m, i0 + ROWS);
                for (int j0 = 0; j0 < n; j0 += VL)
                    strip(i0, i1, j0, n, nP, k, alpha, a, offA, lda, bp, beta, c, offC, ldc);
            }
        };
        if (threads > 1 && (long) m * n * k >= GemmDriver.PARALLEL_MIN_MACS) Parallel.forRange(blocks, 1, range);
        else range.run(0, blocks);
    }

    /** Rows {@code [i0, i1)}, columns {@code [j0, min(j0 + VL, n))}. */
    private static void strip(int i0, int i1, int j0, int n, int nP, int k, float alpha, float[] a, int offA, int lda,
                              float[] bp, float beta, float[] c, int offC, int ldc) {
        FloatVector b0 = FloatVector.fromArray(S, bp, j0), b1 = FloatVector.fromArray(S, bp, nP + j0);
        FloatVector b2 = FloatVector.fromArray(S, bp, 2 * nP + j0), b3 = FloatVector.fromArray(S, bp, 3 * nP + j0);
        VectorMask<Float> mask = S.indexInRange(j0, n);
        boolean whole = j0 + VL <= n;
        for (int i = i0; i < i1; i++) {
            int ai = offA + i * lda, ci = offC + i * ldc + j0;
            float a1 = k > 1 ? a[ai + 1] : 0f, a2 = k > 2 ? a[ai + 2] : 0f, a3 = k > 3 ? a[ai + 3] : 0f;
            FloatVector v = b0.mul(a[ai]);
            v = b1.fma(FloatVector.broadcast(S, a1), v);
            v = b2.fma(FloatVector.broadcast(S, a2), v);
            v = b3.fma(FloatVector.broadcast(S, a3), v);
            if (alpha != 1f) v = v.mul(alpha);
            if (whole) {
                if (beta != 0f) v = FloatVector.fromArray(S, c, ci).fma(FloatVector.broadcast(S, beta), v);
                v.intoArray(c, ci);
            } else {
                if (beta != 0f) v = FloatVector.fromArray(S, c, ci, mask).fma(FloatVector.broadcast(S, beta), v);
                v.intoArray(c, ci, mask);
            }
        }
    }
}
