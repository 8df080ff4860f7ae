package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised error function and the exact (erf) GELU with its derivative, to float accuracy
 * (about 3e-7 relative, including the far tails where {@code 1 + erf} cancels).
 *
 * <p>Method: for small |z| erf(z) = z P(z^2) with P the Taylor series (11 terms, computed here from
 * its closed form). Beyond, erfc(|z|) = exp(-z^2) t Q(t) with {@code t = 1 / (1 + |z|/2)} and
 * Q a degree-9 polynomial fitted for this class (weighted least squares towards minimax relative error,
 * 1.4e-8 on the whole half line). {@code exp(-z^2)} uses the exact split z^2 = hi + lo (an FMA), so the
 * square's rounding does not leak into the tails.
 */
final class ErfMath {
    private ErfMath() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** erf(z) = z * sum_n P[n] z^(2n) for |z| < 0.8 (truncation below 2e-10): P[n] = 2/sqrt(pi) (-1)^n / (n! (2n+1)). */
    private static final float[] P = new float[11];
    static {
        double fact = 1;
        for (int n = 0; n < P.length; n++) {
            if (n > 0) fact *= n;
            P[n] = (float) (2 / Math.sqrt(Math.PI) * (n % 2 == 0 ? 1 : -1) / (fact * (2 * n + 1)));
        }
    }

    /** erfc(z) exp(z^2) = t Q(t), t = 1 / (1 + z/2), for z >= 1/2 (lowest order first). */
    private static final float[] Q = {
            0.2820947766304016f, 0.2820955812931061f, 0.2468075007200241f, 0.1765807867050171f,
            0.08291614055633545f, -0.008763489313423634f, -0.014445092529058456f, -0.1918068826198578f,
            0.20887845754623413f, -0.06443119794130325f};

    /** Below: erf from the series; above: 1 - erfc. erf's switch sits higher, where 1 - erfc barely cancels. */
    private static final float SMALL = 0.5f, SMALL_ERF = 0.8f;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));

    private static FloatVector horner(float[] c, FloatVector x) {
        FloatVector p = FloatVector.broadcast(F, c[c.length - 1]);
        for (int i = c.length - 2; i >= 0; i--) p = p.fma(x, FloatVector.broadcast(F, c[i]));
        return p;
    }

    /** exp(-(hi + lo)) for the exact split of a square, lo tiny against hi. */
    private static FloatVector expNeg(FloatVector hi, FloatVector lo) {
        return hi.neg().lanewise(VectorOperators.EXP).mul(lo.neg().add(1f));
    }

    /** erfc(z) exp(z^2) for z >= 1/2 (z may be clamped; large z gives about 1/(z sqrt(pi))). */
    private static FloatVector scaledErfc(FloatVector z) {
        FloatVector t = FloatVector.broadcast(F, 1f).div(z.fma(0.5f, 1f));
        return horner(Q, t).mul(t);
    }

    /** erf(x) lane by lane. */
    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector x2 = x.mul(x);
        FloatVector small = x.mul(horner(P, x2));
        FloatVector zc = ax.min(10f); // erfc(10) < 2e-44: beyond, erf is +-1 in float
        FloatVector hi = zc.mul(zc), lo = zc.fma(zc, hi.neg());
        FloatVector erfc = expNeg(hi, lo).mul(scaledErfc(zc));
        FloatVector big = erfc.neg().add(1f);
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        VectorMask<Float> isSmall = ax.compare(VectorOperators.LT, SMALL_ERF);
        return big.blend(small, isSmall).blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** exp(-x^2/2) with the square split exactly; |x| clamped at 20, where it has underflowed. */
    private static FloatVector gauss(FloatVector x) {
        FloatVector xc = x.abs().min(20f);
        FloatVector hi = xc.mul(xc), lo = xc.fma(xc, hi.neg());
        return expNeg(hi.mul(0.5f), lo.mul(0.5f));
    }

    /** Phi(x) = (1 + erf(x / sqrt 2)) / 2, given {@code e = gauss(x)}; the lower tail never cancels. */
    private static FloatVector cdf(FloatVector x, FloatVector e) {
        FloatVector z = x.mul(INV_SQRT2), az = z.abs().min(15f);
        FloatVector small = z.mul(horner(P, z.mul(z))).fma(0.5f, 0.5f);
        FloatVector halfErfc = e.mul(scaledErfc(az)).mul(0.5f); // Phi(-|x|)
        FloatVector big = halfErfc.blend(halfErfc.neg().add(1f), x.compare(VectorOperators.GT, 0f));
        return big.blend(small, az.compare(VectorOperators.LT, SMALL));
    }

    /** gelu(x) = x Phi(x). */
    static FloatVector gelu(FloatVector x) {
        return x.mul(cdf(x, gauss(x)));
    }

    /** d/dx gelu(x) = Phi(x) + x phi(x). */
    static FloatVector geluGrad(FloatVector x) {
        FloatVector e = gauss(x);
        return x.mul(INV_SQRT_2PI).fma(e, cdf(x, e));
    }
}
