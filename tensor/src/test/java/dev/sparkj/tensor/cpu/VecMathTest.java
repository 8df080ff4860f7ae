package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VecMathTest {
    private static final int VL = VecMath.F.length();

    /** Applies f lane-wise to xs (padded to whole vectors). */
    private static float[] apply(UnaryOperator<FloatVector> f, float[] xs) {
        int n = (xs.length + VL - 1) / VL * VL;
        float[] in = java.util.Arrays.copyOf(xs, n), out = new float[n];
        for (int i = 0; i < n; i += VL) f.apply(FloatVector.fromArray(VecMath.F, in, i)).intoArray(out, i);
        return out;
    }

    /** Distance in ulps between a float result and the exact (double) value, subnormals counted in units of MIN_VALUE. */
    private static double ulps(float got, double exact) {
        double u = Math.max(Math.ulp((float) exact), Float.MIN_VALUE);
        return Math.abs(got - exact) / u;
    }

    private static void checkSweep(UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, float lo, float hi, double maxUlps) {
        SplittableRandom r = new SplittableRandom(7);
        float[] xs = new float[200_003];
        for (int i = 0; i < xs.length; i++) xs[i] = i % 2 == 0 ? lo + (hi - lo) * i / xs.length : (float) (lo + (hi - lo) * r.nextDouble());
        float[] ys = apply(f, xs);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < xs.length; i++) {
            double d = ulps(ys[i], exact.applyAsDouble(xs[i]));
            if (d > worst) { worst = d; at = xs[i]; }
        }
        assertTrue(worst <= maxUlps, "worst " + worst + " ulp at x = " + at);
    }

    @Test
    void expIsWithinTwoUlpOverTheFloatRange() {
        checkSweep(VecMath::exp, Math::exp, -104f, 88.7f, 2);
        checkSweep(VecMath::exp, Math::exp, -1f, 1f, 2);
    }

    @Test
    void expSpecialValues() {
        float[] xs = {0f, -0f, 1f, 88.8f, 1000f, -104f, -1000f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -87.5f, -100f};
        float[] ys = apply(VecMath::exp, xs);
        assertEquals(1f, ys[0]);
        assertEquals(1f, ys[1]);
        assertEquals((float) Math.E, ys[2], Math.ulp((float) Math.E));
        assertEquals(Float.POSITIVE_INFINITY, ys[3]);
        assertEquals(Float.POSITIVE_INFINITY, ys[4]);
        assertEquals(0f, ys[5]);
        assertEquals(0f, ys[6]);
        assertEquals(Float.POSITIVE_INFINITY, ys[7]);
        assertEquals(0f, ys[8]);
        assertTrue(Float.isNaN(ys[9]));
        assertTrue(ulps(ys[10], Math.exp(-87.5)) <= 2, "subnormal e^-87.5");
        assertTrue(ulps(ys[11], Math.exp(-100)) <= 2, "subnormal e^-100");
    }

    @Test
    void logIsWithinTwoUlpOverPositiveFloats() {
        checkSweep(VecMath::log, Math::log, 1e-3f, 10f, 2);
        checkSweep(VecMath::log, Math::log, 0.5f, 2f, 2);
        SplittableRandom r = new SplittableRandom(3);
        float[] xs = new float[100_000];
        for (int i = 0; i < xs.length; i++) xs[i] = Float.intBitsToFloat(1 + r.nextInt(0x7f7fffff)); // every positive finite float, subnormals too
        float[] ys = apply(VecMath::log, xs);
        for (int i = 0; i < xs.length; i++)
            assertTrue(ulps(ys[i], Math.log(xs[i])) <= 2, "log(" + xs[i] + ") = " + ys[i]);
    }

    @Test
    void logSpecialValues() {
        float[] ys = apply(VecMath::log, new float[]{1f, 0f, -0f, -1f, Float.POSITIVE_INFINITY, Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE});
        assertEquals(0f, ys[0]);
        assertEquals(Float.NEGATIVE_INFINITY, ys[1]);
        assertEquals(Float.NEGATIVE_INFINITY, ys[2]);
        assertTrue(Float.isNaN(ys[3]));
        assertEquals(Float.POSITIVE_INFINITY, ys[4]);
        assertTrue(Float.isNaN(ys[5]));
        assertEquals((float) Math.log(Float.MIN_VALUE), ys[6], 2 * Math.ulp(ys[6]));
        assertEquals((float) Math.log(Float.MAX_VALUE), ys[7], 2 * Math.ulp(ys[7]));
    }
}
