package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast {@link GemmKernel}: a 4 x (2 * vector length) tile held in eight vector accumulators
 * (4 x 16 floats with 256-bit AVX2), updated per k step by broadcasting one A value per row and
 * fusing it with two B vectors. The tile leaves registers once per call, so the merge into C
 * (alpha, beta) stays out of the hot loop.
 *
 * <p>Works for any species length; the tile width follows it ({@code nr = 2 * S.length()}).
 *
 * <p>Why 4 x 16 and not the textbook 6 x 16: eight accumulators just cover the FMA latency x
 * throughput of a Zen 3 core (4 cycles x 2 pipes), and they leave C2 enough of the sixteen ymm
 * registers for the B vectors and the broadcasts it hoists. With twelve accumulators (6 x 16, 4 x 24,
 * 3 x 32) C2 spills an accumulator to the stack in the k loop and the kernel runs at less than half
 * the speed (measured: 4 x 16 about 90 GFLOP/s on one core, 6 x 16 about 41).
 */
final class VectorGemmKernel implements GemmKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int MR = 4;
    static final int NR = 2 * VL;

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override
    public void tile(int kc, float[] ap, int ao, float[] bp, int bo, float[] t, int to) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a = FloatVector.broadcast(S, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(t, to);
        c01.intoArray(t, to + VL);
        c10.intoArray(t, to + NR);
        c11.intoArray(t, to + NR + VL);
        c20.intoArray(t, to + 2 * NR);
        c21.intoArray(t, to + 2 * NR + VL);
        c30.intoArray(t, to + 3 * NR);
        c31.intoArray(t, to + 3 * NR + VL);
    }

    /**
     * Merges the tile into C: whole vectors wherever a row has them (edge tiles too: a GEMM whose rows are
     * not a multiple of MR, or whose columns stop mid-tile, has many), single floats for the rest. Both use
     * the same float operations ({@code alpha t}, then {@code + beta c}), so the result is the same either way.
     */
    @Override
    public void store(float[] t, int to, int rows, int cols, float alpha, float beta, float[] c, int co, int ldc) {
        storeTile(t, to, NR, rows, cols, alpha, beta, c, co, ldc);
    }

    /** {@link #store} for a tile whose rows are {@code nr} floats apart (shared with {@link WideGemmKernel}). */
    static void storeTile(float[] t, int to, int nr, int rows, int cols, float alpha, float beta, float[] c, int co, int ldc) {
        final int vecCols = cols - cols % VL;
        for (int r = 0; r < rows; r++) {
            int ti = to + r * nr, ci = co + r * ldc, j = 0;
            for (; j < vecCols; j += VL) {
                FloatVector v = FloatVector.fromArray(S, t, ti + j).mul(alpha);
                if (beta != 0f) v = v.add(FloatVector.fromArray(S, c, ci + j).mul(beta));
                v.intoArray(c, ci + j);
            }
            if (j < cols) ScalarGemmKernel.storeScalar(t, ti + j, nr, 1, cols - j, alpha, beta, c, ci + j, ldc);
        }
    }
}
