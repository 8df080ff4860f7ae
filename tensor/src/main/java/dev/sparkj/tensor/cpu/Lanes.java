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

    /** The lanes of {@code v} added in lane order, in double. */
    public static double sum(FloatVector v) {
        double t = 0;
        for (int i = 0; i < v.length(); i++) t += v.lane(i);
        return t;
    }

    /** The lanes of {@code v} added in lane order. */
    public static double sum(DoubleVector v) {
        double t = 0;
        for (int i = 0; i < v.length(); i++) t += v.lane(i);
        return t;
    }

    /** The lanes of {@code v} added in lane order, in float. */
    public static float sumFloat(FloatVector v) {
        float t = v.lane(0);
        for (int i = 1; i < v.length(); i++) t += v.lane(i);
        return t;
    }
}
