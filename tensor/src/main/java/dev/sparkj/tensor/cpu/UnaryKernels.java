package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense F32 kernels of every {@link UnaryOp}: {@code y[yo + i] = op(x[xo + i])} for {@code i < n}, one
 * Vector API loop per op. The tail (fewer than a vector's lanes) goes through a small padded buffer and
 * the same vector code, so every element gets the same arithmetic wherever it sits. x and y may be the
 * same array at the same offset.
 */
final class UnaryKernels {
    private UnaryKernels() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int VL = F.length();

    static void apply(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) vectors(op, x, xo, y, yo, bound);
        if (bound < n) {
            float[] t = new float[VL];
            System.arraycopy(x, xo + bound, t, 0, n - bound);
            vectors(op, t, 0, t, 0, VL);
            System.arraycopy(t, 0, y, yo + bound, n - bound);
        }
    }

    /**
     * The vector loops over {@code n}, a multiple of {@link #VL}: one small method per op (a single method
     * with every loop inline gets compiled by C2 with some vector operations left as calls into the Vector
     * API's Java fallback; see {@link BinaryKernels}).
     */
    private static void vectors(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        switch (op) {
            case NEG -> neg(x, xo, y, yo, n);
            case ABS -> abs(x, xo, y, yo, n);
            case EXP -> exp(x, xo, y, yo, n);
            case LOG -> log(x, xo, y, yo, n);
            case SQRT -> sqrt(x, xo, y, yo, n);
            case RSQRT -> rsqrt(x, xo, y, yo, n);
            case RECIPROCAL -> reciprocal(x, xo, y, yo, n);
            case SQUARE -> square(x, xo, y, yo, n);
            case SIGN -> sign(x, xo, y, yo, n);
            case RELU -> relu(x, xo, y, yo, n);
            case RELU6 -> relu6(x, xo, y, yo, n);
            case SIGMOID -> sigmoid(x, xo, y, yo, n);
            case TANH -> tanh(x, xo, y, yo, n);
            case ERF -> ErfMath.erf(x, xo, y, yo, n);
            case GELU -> ErfMath.gelu(x, xo, y, yo, n, false);
            case GELU_GRAD -> ErfMath.gelu(x, xo, y, yo, n, true);
        }
    }

    private static FloatVector vx(float[] x, int o) { return FloatVector.fromArray(F, x, o); }

    private static void neg(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) vx(x, xo + i).neg().intoArray(y, yo + i);
    }

    private static void abs(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) vx(x, xo + i).abs().intoArray(y, yo + i);
    }

    private static void exp(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) VecMath.exp(vx(x, xo + i)).intoArray(y, yo + i);
    }

    private static void log(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) VecMath.log(vx(x, xo + i)).intoArray(y, yo + i);
    }

    private static void sqrt(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) vx(x, xo + i).sqrt().intoArray(y, yo + i);
    }

    private static void rsqrt(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VL) one.div(vx(x, xo + i).sqrt()).intoArray(y, yo + i);
    }

    private static void reciprocal(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VL) one.div(vx(x, xo + i)).intoArray(y, yo + i);
    }

    private static void square(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) {
            FloatVector v = vx(x, xo + i);
            v.mul(v).intoArray(y, yo + i);
        }
    }

    /** +-1, keeping +-0 and NaN as they are (Math.signum). */
    private static void sign(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f), mone = FloatVector.broadcast(F, -1f), zero = FloatVector.zero(F);
        for (int i = 0; i < n; i += VL) {
            FloatVector v = vx(x, xo + i);
            v.blend(one, v.compare(VectorOperators.GT, zero)).blend(mone, v.compare(VectorOperators.LT, zero)).intoArray(y, yo + i);
        }
    }

    /** x <= 0 -> +0, NaN kept. */
    private static void relu(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < n; i += VL) {
            FloatVector v = vx(x, xo + i);
            v.blend(zero, v.compare(VectorOperators.LE, zero)).intoArray(y, yo + i);
        }
    }

    private static void relu6(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) vx(x, xo + i).max(0f).min(6f).intoArray(y, yo + i);
    }

    private static void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += VL) one.div(VecMath.exp(vx(x, xo + i).neg()).add(1f)).intoArray(y, yo + i);
    }

    private static void tanh(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) vx(x, xo + i).lanewise(VectorOperators.TANH).intoArray(y, yo + i);
    }
}
