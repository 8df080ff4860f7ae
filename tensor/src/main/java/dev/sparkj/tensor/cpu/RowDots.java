package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha A B^T + beta C} for products with very few columns ({@code n <= }{@link #MAX_COLUMNS}),
 * A stored {@code m x k} and B stored {@code n x k}: each element of C is the dot product of a row of A and
 * a row of B. SparK's decoder ends in a 1x1 convolution from 24 channels to 3 at 224x224: 802,816 rows and
 * three columns at batch 16. {@link GemmDriver}'s 4 x 16 tiles computed 16 columns for those 3 and merged
 * every tile through a scalar partial store (115-264 JFR samples per two ResNet-50 steps).
 *
 * <p>Each dot product sums {@code k} in vector lanes (lane l takes p = l, l + VL, ...), adds the lanes in
 * order, then the tail in order: the same floats whatever the thread count.
 */
final class RowDots {
    private RowDots() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /** Most columns taken this way. */
    static final int MAX_COLUMNS = Math.max(1, VL / 2);

    /** Whether {@link Sgemm} hands a product of this form to {@link #gemm}. */
    static boolean suits(boolean transA, boolean transB, int n, int k) {
        return !transA && transB && n <= MAX_COLUMNS && k >= VL;
    }

    static void gemm(int threads, int m, int n, int k, float alpha, float[] a, int offA, int lda,
                     float[] b, int offB, int ldb, float beta, float[] c, int offC, int ldc) {
        Parallel.Range rows = (lo, hi) -> {
            final int bound = S.loopBound(k);
            for (int i = lo; i < hi; i++) {
                int ai = offA + i * lda, ci = offC + i * ldc;
                for (int j = 0; j < n; j++) {
                    int bj = offB + j * ldb;
                    FloatVector acc = FloatVector.zero(S);
                    int p = 0;
                    for (; p < bound; p += VL)
                        acc = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bj + p), acc);
                    float s = Lanes.sumFloat(acc); // not reduceLanes: see Lanes
                    for (; p < k; p++) s = Math.fma(a[ai + p], b[bj + p], s);
                    c[ci + j] = beta == 0f ? alpha * s : alpha * s + beta * c[ci + j];
                }
            }
        };
        if (threads > 1 && (long) m * n * k >= GemmDriver.PARALLEL_MIN_MACS)
            Parallel.forRange(m, StridedLoops.grain(m, (long) n * k), rows);
        else rows.run(0, m);
    }
}
