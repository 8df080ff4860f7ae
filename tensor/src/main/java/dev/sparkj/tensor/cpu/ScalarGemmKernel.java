package dev.sparkj.tensor.cpu;

/**
 * Plain-Java {@link GemmKernel} on the same packed panels: the fallback when no usable vector species
 * exists, and the control the vector kernel is tested against (same operation order, so the same bits).
 */
final class ScalarGemmKernel implements GemmKernel {
    private final int mr;
    private final int nr;

    ScalarGemmKernel(int mr, int nr) {
        this.mr = mr;
        this.nr = nr;
    }

    @Override public int mr() { return mr; }

    @Override public int nr() { return nr; }

    @Override
    public void tile(int kc, float[] ap, int ao, float[] bp, int bo, float[] t, int to) {
        java.util.Arrays.fill(t, to, to + mr * nr, 0f);
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * mr, bi = bo + p * nr;
            for (int r = 0; r < mr; r++) {
                float av = ap[ai + r];
                int ti = to + r * nr;
                for (int j = 0; j < nr; j++) t[ti + j] = Math.fma(av, bp[bi + j], t[ti + j]);
            }
        }
    }

    @Override
    public void store(float[] t, int to, int rows, int cols, float alpha, float beta, float[] c, int co, int ldc) {
        storeScalar(t, to, nr, rows, cols, alpha, beta, c, co, ldc);
    }

    /** The scalar merge shared by all kernels for partial tiles. */
    static void storeScalar(float[] t, int to, int nr, int rows, int cols, float alpha, float beta,
                            float[] c, int co, int ldc) {
        for (int r = 0; r < rows; r++) {
            int ti = to + r * nr, ci = co + r * ldc;
            if (beta == 0f) {
                for (int j = 0; j < cols; j++) c[ci + j] = alpha * t[ti + j];
            } else {
                for (int j = 0; j < cols; j++) c[ci + j] = alpha * t[ti + j] + beta * c[ci + j];
            }
        }
    }
}
