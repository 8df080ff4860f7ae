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
 * its closed form). Beyond, erfc(|z|) = exp(-z^2) t Q(t) with {@code t = 1 / (1 + |z|/2)} and Q a
 * degree-9 polynomial fitted for this class (weighted least squares towards minimax relative error,
 * 1.4e-8 for |z| >= 1/2). GELU needs only erfc, which a degree-10 fit R gives on the whole half line, so
 * it evaluates one formula per element. {@code exp(-z^2)} uses the exact split z^2 = hi + lo (an FMA), so
 * the square's rounding does not leak into the tails.
 *
 * <p>Each function is one loop over arrays with all vector arithmetic written inline: a helper method
 * taking or returning vectors would box them whenever C2 declines to inline it.
 */
final class ErfMath {
    private ErfMath() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();

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

    /** erf below this |z| comes from the series, above from 1 - erfc (which barely cancels there). */
    private static final float SMALL_ERF = 0.8f;
    private static final float HALF_INV_SQRT2 = (float) (0.5 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));

    /** y = erf(x) over n elements, n a multiple of the vector length. */
    static void erf(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VL) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector ax = v.abs(), x2 = v.mul(v);
            FloatVector p = FloatVector.broadcast(F, P[P.length - 1]);
            for (int k = P.length - 2; k >= 0; k--) p = p.fma(x2, FloatVector.broadcast(F, P[k]));
            FloatVector small = v.mul(p);
            FloatVector zc = ax.min(10f); // erfc(10) < 2e-44: beyond, erf is +-1 in float
            FloatVector hi = zc.mul(zc), lo = zc.fma(zc, hi.neg());
            FloatVector e = VecMath.exp(hi.neg()).mul(lo.neg().add(1f)); // exp(-z^2)
            FloatVector t = one.div(zc.fma(0.5f, 1f));
            FloatVector q = FloatVector.broadcast(F, Q[Q.length - 1]);
            for (int k = Q.length - 2; k >= 0; k--) q = q.fma(t, FloatVector.broadcast(F, Q[k]));
            FloatVector big = one.sub(e.mul(q.mul(t)));
            big = big.blend(big.neg(), v.compare(VectorOperators.LT, 0f));
            VectorMask<Float> isSmall = ax.compare(VectorOperators.LT, SMALL_ERF);
            big.blend(small, isSmall).blend(v, v.test(VectorOperators.IS_NAN)).intoArray(y, yo + i);
        }
    }

    /** y = gelu(x) = x Phi(x), or its derivative Phi(x) + x phi(x) when {@code grad}; n a multiple of the vector length. */
    static void gelu(float[] x, int xo, float[] y, int yo, int n, boolean grad) {
        gelu(x, xo, y, yo, n, grad, null, 0);
    }

    /**
     * erfc(z) exp(z^2) = t R(t), t = 1 / (1 + z/2), on the whole half line z >= 0 (lowest order first):
     * a degree-10 fit (weighted least squares towards minimax relative error, 5e-9 in double, 4.5e-8
     * with the coefficients rounded to float). GELU needs erfc only: Phi(x) = erfc(|z|) / 2 below zero and
     * 1 - erfc(|z|) / 2 above, neither of which cancels, so unlike {@link #erf} it needs no series near 0.
     */
    private static final float[] R = {
            0.28209346532821655f, 0.2821313738822937f, 0.24644911289215088f, 0.17807656526565552f,
            0.08276327699422836f, -0.03250715881586075f, 0.08838444203138351f, -0.4080764949321747f,
            0.4621303081512451f, -0.22261808812618256f, 0.04117321968078613f};

    /**
     * {@link #gelu}, each result multiplied by {@code g[go + i]} when g is not null: the backward pass
     * {@code gy · gelu'(x)} in one pass over the arrays (y may be x or g).
     *
     * <p>One formula for every x (no branch evaluated and thrown away): {@code e = exp(-x^2/2)} with the
     * square split exactly, {@code Phi(-|x|) = e t R(t) / 2}, and {@code phi(x) = e / sqrt(2 pi)} for the
     * derivative.
     */
    static void gelu(float[] x, int xo, float[] y, int yo, int n, boolean grad, float[] g, int go) {
        final FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VL) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            // e = exp(-x^2/2) = exp(-z^2), z = x / sqrt 2, with the square split exactly; |x| clamped where it underflowed
            FloatVector xc = v.abs().min(20f);
            FloatVector hi = xc.mul(xc), lo = xc.fma(xc, hi.neg());
            FloatVector e = VecMath.exp(hi.mul(-0.5f)).mul(lo.mul(-0.5f).add(1f));
            // Phi(-|x|) = erfc(|z|) / 2 = e t R(t) / 2
            FloatVector t = one.div(xc.fma(HALF_INV_SQRT2, 1f));
            FloatVector q = FloatVector.broadcast(F, R[R.length - 1]);
            for (int k = R.length - 2; k >= 0; k--) q = q.fma(t, FloatVector.broadcast(F, R[k]));
            FloatVector lower = e.mul(q.mul(t)).mul(0.5f);
            FloatVector cdf = lower.blend(one.sub(lower), v.compare(VectorOperators.GT, 0f));
            FloatVector r = grad ? v.mul(INV_SQRT_2PI).fma(e, cdf) : v.mul(cdf);
            if (g != null) r = FloatVector.fromArray(F, g, go + i).mul(r);
            r.intoArray(y, yo + i);
        }
    }
}
