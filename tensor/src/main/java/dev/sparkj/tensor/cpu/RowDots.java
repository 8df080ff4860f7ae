package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha A B^T + beta C} for products with very few columns ({@code n <= }{@link #MAX_COLUMNS}),
 * A stored {@code m x k} and B stored {@code n x k}: each element of C is the dot product of a row of A and
 * a row of B. SparK's decoder ends in a 1x1 convolution from 24 channels to 3 at 224x224: 802,816 rows and
 * three columns at batch 16. {@link GemmDriver}'s tiles computed 16 columns for those 3, and dot products of
 * rows spent most of their time adding a vector's lanes.
 *
 * <p>Here {@link #VL} rows go at once: for each p a gather loads column p of those rows into one vector (lane l
 * is row l), and each column of C accumulates {@code a[., p] * b[j, p]} over p in order with fused multiply-adds,
 * so a lane holds one element of C and no lanes are ever added together; a scatter writes the VL results of a
 * column. Rows past the last whole block take the same multiply-adds one at a time. Every element is
 * {@code fma(a[i, k-1], b[j, k-1], ... fma(a[i, 1], b[j, 1], a[i, 0] * b[j, 0]))}: the same floats whatever the
 * thread count or block.
 */
final class RowDots {
    private RowDots() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Most columns taken this way (accumulators held in vector registers). */
    static final int MAX_COLUMNS = Math.max(1, VL / 2);

    /** Whether {@link Sgemm} hands a product of this form to {@link #gemm}. */
    static boolean suits(boolean transA, boolean transB, int n, int k) {
        return !transA && transB && n <= MAX_COLUMNS && k >= VL;
    }

    static void gemm(int threads, int m, int n, int k, float alpha, float[] a, int offA, int lda,
                     float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        final int blocks = m / VL;
        final int[] aRows = new int[VL], cRows = new int[VL];
        for (int l = 0; l < VL; l++) {
            aRows[l] = l * lda;
            cRows[l] = l * ldc;
        }
        Parallel.Range range = (lo, hi) -> { // units: whole blocks of VL rows, then the rows after them, one per unit
            for (int u = lo; u < hi; u++) {
                if (u >= blocks) row(blocks * VL + (u - blocks), n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
                else for (int j0 = 0; j0 < n; j0 += 4)
                    block(u * VL, j0, n, k, alpha, a, offA, lda, aRows, b, offB, ldb, beta, c, offC, ldc, cRows);
            }
        };
        int units = blocks + m % VL;
        if (threads > 1 && (long) m * n * k >= GemmDriver.PARALLEL_MIN_MACS)
            Parallel.forRange(units, StridedLoops.grain(units, (long) VL * n * k), range);
        else range.run(0, units);
    }

    /**
     * Rows {@code [r0, r0 + VL)}, columns {@code [j0, j0 + 4)} of C: column p of A gathered into lanes, four named
     * accumulators (vectors kept in an array or chosen by a conditional would live on the heap). Columns past n
     * repeat the last one and are not stored.
     */
    private static void block(int r0, int j0, int n, int k, float alpha, float[] a, int offA, int lda, int[] aRows,
                              float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc, int[] cRows) {
        int ai = offA + r0 * lda;
        int b0 = offB + j0 * ldb, b1 = offB + Math.min(j0 + 1, n - 1) * ldb;
        int b2 = offB + Math.min(j0 + 2, n - 1) * ldb, b3 = offB + Math.min(j0 + 3, n - 1) * ldb;
        FloatVector col = FloatVector.fromArray(S, a, ai, aRows, 0);
        FloatVector c0 = col.mul(b[b0]), c1 = col.mul(b[b1]), c2 = col.mul(b[b2]), c3 = col.mul(b[b3]);
        for (int p = 1; p < k; p++) {
            col = FloatVector.fromArray(S, a, ai + p, aRows, 0);
            c0 = col.fma(FloatVector.broadcast(S, b[b0 + p]), c0);
            c1 = col.fma(FloatVector.broadcast(S, b[b1 + p]), c1);
            c2 = col.fma(FloatVector.broadcast(S, b[b2 + p]), c2);
            c3 = col.fma(FloatVector.broadcast(S, b[b3 + p]), c3);
        }
        int ci = offC + r0 * ldc + j0;
        store(c0, alpha, beta, c, ci, cRows);
        if (j0 + 1 < n) store(c1, alpha, beta, c, ci + 1, cRows);
        if (j0 + 2 < n) store(c2, alpha, beta, c, ci + 2, cRows);
        if (j0 + 3 < n) store(c3, alpha, beta, c, ci + 3, cRows);
    }

    /** Scatters {@code alpha v + beta C} into one column of C (rows ldc apart). */
    private static void store(FloatVector v, float alpha, float beta, float[] c, int ci, int[] cRows) {
        if (alpha != 1f) v = v.mul(alpha);
        if (beta != 0f) v = FloatVector.fromArray(S, c, ci, cRows, 0).fma(FloatVector.broadcast(S, beta), v);
        v.intoArray(c, ci, cRows, 0);
    }

    /** One row, the same multiply-adds as a lane of {@link #block}. */
    private static void row(int i, int n, int k, float alpha, float[] a, int offA, int lda,
                            float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        int ai = offA + i * lda, ci = offC + i * ldc;
        for (int j = 0; j < n; j++) {
            int bj = offB + j * ldb;
            float s = a[ai] * b[bj];
            for (int p = 1; p < k; p++) s = Math.fma(a[ai + p], b[bj + p], s);
            float v = alpha == 1f ? s : s * alpha;
            c[ci + j] = beta == 0f ? v : Math.fma(c[ci + j], beta, v);
        }
    }
}
