package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and log on float vectors from plain arithmetic (multiply, add, FMA, bit moves), so that they give
 * the same bits on every run.
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP)}: the Vector API leaves the last bit of its
 * transcendental functions open. In practice C2 compiles them to the JDK's short-vector math library
 * while the interpreter and C1 evaluate {@code Math.exp} lane by lane; the two differ in the last bit now
 * and then, and which one runs depends on when the JIT finishes compiling. A training run then differed
 * from the same run repeated (seen on ConvNeXt, whose GELU calls exp). These versions use only operations
 * whose results IEEE 754 fixes, so every execution tier gives identical bits.
 *
 * <p>Accuracy: within 2 ulp of the correctly rounded result over the float range (VecMathTest checks it
 * against {@code Math.exp} and {@code Math.log} in double).
 */
final class VecMath {
    private VecMath() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that n * LN2_HI is exact for |n| < 2^9. */
    private static final float LN2_HI = 0.693145751953125f, LN2_LO = 1.42860682030941723212e-6f;
    /** Beyond these exp is +infinity / +0 in float. */
    private static final float EXP_MAX = 88.72284f, EXP_MIN = -103.97209f;
    /** Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;
    /** 1 / k! for k = 0..7, the Taylor coefficients of e^r. */
    private static final float[] EXP_C = {1f, 1f, 0.5f, 1f / 6, 1f / 24, 1f / 120, 1f / 720, 1f / 5040};

    /**
     * e^x: x = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite, r exact to float rounding), e^r by its Taylor
     * polynomial of degree 7 (truncation below 5e-9 relative), then scaled by 2^n as 2^(n/2) 2^(n - n/2), so
     * that results near overflow and subnormal results come out right with a single final rounding.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector n = xc.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUND)).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, EXP_C[7]);
        for (int k = 6; k >= 0; k--) p = p.fma(r, FloatVector.broadcast(F, EXP_C[k]));
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        y = y.blend(FloatVector.broadcast(F, Float.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_MAX));
        y = y.blend(FloatVector.zero(F), x.compare(VectorOperators.LT, EXP_MIN));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    private static final float SQRT_HALF = 0.70710678118654752f;
    /** 2 / (2k + 1) for k = 1..5: the series of 2 atanh(s) - 2s in z = s^2, over s z. */
    private static final float[] LOG_C = {2f / 3, 2f / 5, 2f / 7, 2f / 9, 2f / 11};

    /**
     * ln x: x = (1 + f) 2^e with 1 + f in [sqrt(1/2), sqrt 2) (subnormals first scaled by 2^25), and
     * ln(1 + f) = 2 atanh(s) with s = f / (2 + f), |s| < 0.172, written as f - (f^2/2 - s (f^2/2 + R(s^2))) so
     * that the exact f carries the result and rounding errors only touch the small correction (truncation
     * of R below 2e-10). ln 0 = -infinity, ln of a negative number NaN, ln +infinity = +infinity, NaN stays NaN.
     */
    static FloatVector log(FloatVector x) {
        var sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(33554432f), sub); // 2^25
        IntVector bits = xs.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.ASHR, 23).sub(127);
        FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats(); // [1, 2)
        var big = m.compare(VectorOperators.GT, 2 * SQRT_HALF);
        m = m.blend(m.mul(0.5f), big);
        e = e.blend(e.add(1), big.cast(IntVector.SPECIES_PREFERRED));
        FloatVector ef = ((FloatVector) e.convert(VectorOperators.I2F, 0)).sub(FloatVector.zero(F).blend(FloatVector.broadcast(F, 25f), sub));
        FloatVector f = m.sub(1f); // exact
        FloatVector s = f.div(f.add(2f)), z = s.mul(s), hfsq = f.mul(f).mul(0.5f);
        FloatVector r = FloatVector.broadcast(F, LOG_C[4]);
        for (int k = 3; k >= 0; k--) r = r.fma(z, FloatVector.broadcast(F, LOG_C[k]));
        r = r.mul(z);
        FloatVector corr = s.fma(hfsq.add(r), ef.mul(LN2_LO));
        FloatVector y = ef.fma(FloatVector.broadcast(F, LN2_HI), f.sub(hfsq.sub(corr)));
        y = y.blend(FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), x.compare(VectorOperators.EQ, 0f));
        y = y.blend(FloatVector.broadcast(F, Float.NaN), x.compare(VectorOperators.LT, 0f));
        y = y.blend(x, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }
}
