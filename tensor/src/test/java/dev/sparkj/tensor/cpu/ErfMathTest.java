package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.ref.Scalar;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GELU and its derivative against double-precision values computed here from erfc directly (not from
 * {@code 1 + erf}, which cancels in the lower tail), over the whole range where they are normal floats.
 */
class ErfMathTest {
    private static final int VL = ErfMath.F.length();

    /**
     * erfc(z) for z >= 0 to about 1e-13 relative: 1 - erf below 2.5 (the reference backend's series; erf <= 0.9996
     * there, so little cancels), a continued fraction above.
     */
    private static double erfc(double z) {
        if (z < 2.5) return 1 - Scalar.erf(z);
        double f = z;
        for (int k = 80; k >= 1; k--) f = z + (k / 2.0) / f;
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }

    /** The standard normal distribution function, accurate in both tails. */
    private static double phiCdf(double x) {
        double lower = erfc(Math.abs(x) / Math.sqrt(2)) / 2;
        return x < 0 ? lower : 1 - lower;
    }

    private static float[] sweep() {
        SplittableRandom r = new SplittableRandom(11);
        float[] xs = new float[VL * 40_000];
        for (int i = 0; i < xs.length; i++) {
            double u = i % 2 == 0 ? (double) i / xs.length : r.nextDouble();
            xs[i] = (float) (-13 + 23 * u); // gelu(x) stays a normal float down to x = -13
        }
        return xs;
    }

    @Test
    void geluIsWithinFloatAccuracyIncludingTheLowerTail() {
        float[] xs = sweep(), ys = new float[xs.length];
        ErfMath.gelu(xs, 0, ys, 0, xs.length, false);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < xs.length; i++) {
            double exact = xs[i] * phiCdf(xs[i]);
            if (exact == 0) continue;
            double rel = Math.abs(ys[i] - exact) / Math.abs(exact);
            if (rel > worst) { worst = rel; at = xs[i]; }
        }
        assertTrue(worst < 5e-7, "gelu: worst relative error " + worst + " at x = " + at);
    }

    @Test
    void derivativeIsWithinFloatAccuracyOfItsTerms() {
        float[] xs = sweep(), ds = new float[xs.length], gs = new float[xs.length], gds = new float[xs.length];
        for (int i = 0; i < gs.length; i++) gs[i] = 0.5f + (i % 7);
        ErfMath.gelu(xs, 0, ds, 0, xs.length, true);
        ErfMath.gelu(xs, 0, gds, 0, xs.length, true, gs, 0);
        double worst = 0;
        float at = 0;
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i], cdf = phiCdf(x), pdf = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
            // Phi(x) + x phi(x) crosses zero near x = -0.75: measure the error against the size of its terms
            double scale = cdf + Math.abs(x) * pdf;
            double rel = Math.abs(ds[i] - (cdf + x * pdf)) / scale;
            if (rel > worst) { worst = rel; at = xs[i]; }
            assertEquals(gs[i] * ds[i], gds[i], 0f, "gy times gelu' is one rounding of the product");
        }
        assertTrue(worst < 5e-7, "gelu': worst error " + worst + " (relative to Phi + |x| phi) at x = " + at);
    }

    @Test
    void specialValues() {
        float[] xs = new float[VL];
        xs[0] = 0f;
        xs[1] = -0f;
        xs[2] = Float.NaN;
        xs[3] = Float.POSITIVE_INFINITY;
        xs[4 % VL] = 40f;
        xs[5 % VL] = -40f;
        float[] ys = new float[VL];
        ErfMath.gelu(xs, 0, ys, 0, VL, false);
        assertEquals(0f, ys[0]);
        assertEquals(0x80000000, Float.floatToRawIntBits(ys[1]), "gelu(-0) = -0");
        assertTrue(Float.isNaN(ys[2]));
        assertEquals(Float.POSITIVE_INFINITY, ys[3]);
        if (VL > 5) {
            assertEquals(40f, ys[4]);
            assertEquals(-0f, ys[5], 0f);
        }
    }
}
