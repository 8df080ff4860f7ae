package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions of one strided run {@code x[o + i * s], i < n} to a double: the inner loops of
 * {@link Reductions} in row mode. Unit-stride runs are vectorised; sums use float lanes over blocks of
 * at most 32 additions per lane whose totals are added in double.
 */
final class RowKernels {
    private RowKernels() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int DL = D.length();
    /** Float vectors of D's lane count: each is loaded and widened whole (see {@link #widen}). */
    private static final VectorSpecies<Float> FH = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    /** Floats per block: four accumulators, 32 vectors each. */
    private static final int BLOCK = 4 * 32 * VL;

    static double sum(float[] x, int o, int n, int s) {
        double tot = 0;
        int i = 0;
        if (s == 1) {
            for (; i + 4 * VL <= n; ) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int end = Math.min(n - 4 * VL, i + BLOCK - 4 * VL);
                for (; i <= end; i += 4 * VL) {
                    a0 = a0.add(FloatVector.fromArray(F, x, o + i));
                    a1 = a1.add(FloatVector.fromArray(F, x, o + i + VL));
                    a2 = a2.add(FloatVector.fromArray(F, x, o + i + 2 * VL));
                    a3 = a3.add(FloatVector.fromArray(F, x, o + i + 3 * VL));
                }
                tot += Lanes.sum(a0.add(a1).add(a2.add(a3)));
            }
            for (; i < n; i++) tot += x[o + i];
            return tot;
        }
        if (s == 0) return (double) x[o] * n;
        for (; i < n; i++) tot += x[o + i * s];
        return tot;
    }

    static double max(float[] x, int o, int n, int s) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (s == 1 && n >= VL) {
            FloatVector a = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int bound = F.loopBound(n); i < bound; i += VL) a = a.max(FloatVector.fromArray(F, x, o + i));
            m = a.reduceLanes(VectorOperators.MAX);
            if (Float.isNaN(m) || a.test(VectorOperators.IS_NAN).anyTrue()) return Double.NaN;
        }
        for (; i < n; i++) m = Math.max(m, x[o + i * s]);
        return m;
    }

    static double min(float[] x, int o, int n, int s) {
        float m = Float.POSITIVE_INFINITY;
        int i = 0;
        if (s == 1 && n >= VL) {
            FloatVector a = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
            for (int bound = F.loopBound(n); i < bound; i += VL) a = a.min(FloatVector.fromArray(F, x, o + i));
            m = a.reduceLanes(VectorOperators.MIN);
            if (Float.isNaN(m) || a.test(VectorOperators.IS_NAN).anyTrue()) return Double.NaN;
        }
        for (; i < n; i++) m = Math.min(m, x[o + i * s]);
        return m;
    }

    /** Sum of (x - mean)^2 in double. */
    static double sqdev(float[] x, int o, int n, int s, double mean) {
        double tot = 0;
        int i = 0;
        if (s == 1 && 2 * DL == VL) {
            DoubleVector mv = DoubleVector.broadcast(D, mean), a0 = DoubleVector.zero(D), a1 = a0;
            for (int bound = F.loopBound(n); i < bound; i += VL) {
                DoubleVector d0 = widen(x, o + i).sub(mv);
                DoubleVector d1 = widen(x, o + i + DL).sub(mv);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
            }
            tot = Lanes.sum(a0.add(a1));
        }
        for (; i < n; i++) {
            double d = x[o + i * s] - mean;
            tot += d * d;
        }
        return tot;
    }

    /**
     * {@code x[i .. i + DL)} widened to double: DL floats loaded as one half-width vector and converted whole
     * ({@code convertShape} part 0, as BatchNorm's statistics do). The variance kernels used to load a full-width
     * vector and convert its two halves (parts 0 and 1): the same doubles, but {@code -XX:+PrintIntrinsics}
     * showed C2 compiling the part-1 conversion in them without its intrinsic (target species "missing
     * constant"), i.e. with the vectors as heap objects, in some processes; after this change it no longer
     * reported that failure for them.
     */
    static DoubleVector widen(float[] x, int i) {
        return (DoubleVector) FloatVector.fromArray(FH, x, i).convertShape(VectorOperators.F2D, D, 0);
    }
}
