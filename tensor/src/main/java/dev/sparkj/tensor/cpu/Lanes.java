package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Sums of a vector's lanes in lane order. {@code reduceLanes(ADD)} leaves its order open, and the
 * interpreter and the JIT-compiled intrinsic round differently, so a result would depend on warm-up and
 * on which thread ran it: a resumed run would not repeat an uninterrupted one bit for bit.
 */
public final class Lanes {
    private Lanes() {}

    /*
     * The common lane counts (8 floats, 4 doubles on AVX2; 16 and 8 on AVX-512) are written out with constant lane numbers. C2 expands
     * the Vector API's intrinsics while it parses, before it unrolls loops, so lane(i) with i a loop variable had
     * no constant index and was compiled as the library's fallback, which keeps the vector as a heap object: JFR
     * found gigabytes of such vectors per ResNet-50 step under RowKernels.sum. The same additions in the same
     * order either way (the double sums from 0.0, so a sum of negative zeros stays +0.0, as in the loops).
     */

    /** The lanes of {@code v} added in lane order, in double. */
    public static double sum(FloatVector v) {
        if (v.length() == 8)
            return (((((((0.0 + v.lane(0)) + v.lane(1)) + v.lane(2)) + v.lane(3)) + v.lane(4)) + v.lane(5)) + v.lane(6)) + v.lane(7);
        if (v.length() == 16) // AVX-512
            return (((((((((((((((0.0 + v.lane(0)) + v.lane(1)) + v.lane(2)) + v.lane(3)) + v.lane(4)) + v.lane(5)) + v.lane(6))
                    + v.lane(7)) + v.lane(8)) + v.lane(9)) + v.lane(10)) + v.lane(11)) + v.lane(12)) + v.lane(13)) + v.lane(14))
                    + v.lane(15);
        double t = 0;
        for (int i = 0; i < v.length(); i++) t += v.lane(i);
        return t;
    }

    /** The lanes of {@code v} added in lane order. */
    public static double sum(DoubleVector v) {
        if (v.length() == 4) return (((0.0 + v.lane(0)) + v.lane(1)) + v.lane(2)) + v.lane(3);
        if (v.length() == 8) // AVX-512
            return (((((((0.0 + v.lane(0)) + v.lane(1)) + v.lane(2)) + v.lane(3)) + v.lane(4)) + v.lane(5)) + v.lane(6)) + v.lane(7);
        double t = 0;
        for (int i = 0; i < v.length(); i++) t += v.lane(i);
        return t;
    }

    /** The lanes of {@code v} added in lane order, in float. */
    public static float sumFloat(FloatVector v) {
        if (v.length() == 8)
            return ((((((v.lane(0) + v.lane(1)) + v.lane(2)) + v.lane(3)) + v.lane(4)) + v.lane(5)) + v.lane(6)) + v.lane(7);
        if (v.length() == 16) // AVX-512
            return ((((((((((((((v.lane(0) + v.lane(1)) + v.lane(2)) + v.lane(3)) + v.lane(4)) + v.lane(5)) + v.lane(6)) + v.lane(7))
                    + v.lane(8)) + v.lane(9)) + v.lane(10)) + v.lane(11)) + v.lane(12)) + v.lane(13)) + v.lane(14)) + v.lane(15);
        float t = v.lane(0);
        for (int i = 1; i < v.length(); i++) t += v.lane(i);
        return t;
    }
}
