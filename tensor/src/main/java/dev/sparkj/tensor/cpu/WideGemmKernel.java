package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link GemmKernel} for CPUs with 32 vector registers (AVX-512): a 12 x (2 * vector length) tile,
 * 12 x 32 floats with 512-bit vectors, held in 24 vector accumulators and updated per k step by
 * broadcasting one A value per row and fusing it with two B vectors, as {@link VectorGemmKernel} does
 * with four rows.
 *
 * <p>Why a second kernel: with sixteen registers (AVX2) eight accumulators are what C2 can hold
 * without spilling, so {@link VectorGemmKernel} stops at four rows. With thirty-two, the taller tile
 * needs fewer loads per fused multiply-add (two B vectors and twelve broadcasts feed 24 of them, against
 * two and four for 8) and the kernel, its packed panels in cache, ran at 133-144 GFLOP/s on one core of
 * the AVX-512 development machine against 84-85 for the four-row tile (docs/benchmarks.md, "Session 13").
 * {@link Sgemm} picks this kernel when the vector species has 16 float lanes or more. Each element of C
 * is still one chain of fused multiply-adds in increasing p, so both kernels give the same floats.
 */
final class WideGemmKernel implements GemmKernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int MR = 12;
    static final int NR = 2 * VL;

    @Override public int mr() { return MR; }

    @Override public int nr() { return NR; }

    @Override
    public void tile(int kc, float[] ap, int ao, float[] bp, int bo, float[] t, int to) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z;
        FloatVector c90 = z, c91 = z;
        FloatVector c100 = z, c101 = z;
        FloatVector c110 = z, c111 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai]);
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
            a = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = a.fma(b0, c80);
            c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = a.fma(b0, c90);
            c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(S, ap[ai + 10]);
            c100 = a.fma(b0, c100);
            c101 = a.fma(b1, c101);
            a = FloatVector.broadcast(S, ap[ai + 11]);
            c110 = a.fma(b0, c110);
            c111 = a.fma(b1, c111);
        }
        c00.intoArray(t, to);
        c01.intoArray(t, to + VL);
        c10.intoArray(t, to + 1 * NR);
        c11.intoArray(t, to + 1 * NR + VL);
        c20.intoArray(t, to + 2 * NR);
        c21.intoArray(t, to + 2 * NR + VL);
        c30.intoArray(t, to + 3 * NR);
        c31.intoArray(t, to + 3 * NR + VL);
        c40.intoArray(t, to + 4 * NR);
        c41.intoArray(t, to + 4 * NR + VL);
        c50.intoArray(t, to + 5 * NR);
        c51.intoArray(t, to + 5 * NR + VL);
        c60.intoArray(t, to + 6 * NR);
        c61.intoArray(t, to + 6 * NR + VL);
        c70.intoArray(t, to + 7 * NR);
        c71.intoArray(t, to + 7 * NR + VL);
        c80.intoArray(t, to + 8 * NR);
        c81.intoArray(t, to + 8 * NR + VL);
        c90.intoArray(t, to + 9 * NR);
        c91.intoArray(t, to + 9 * NR + VL);
        c100.intoArray(t, to + 10 * NR);
        c101.intoArray(t, to + 10 * NR + VL);
        c110.intoArray(t, to + 11 * NR);
        c111.intoArray(t, to + 11 * NR + VL);
    }

    @Override
    public void store(float[] t, int to, int rows, int cols, float alpha, float beta, float[] c, int co, int ldc) {
        VectorGemmKernel.storeTile(t, to, NR, rows, cols, alpha, beta, c, co, ldc);
    }
}
