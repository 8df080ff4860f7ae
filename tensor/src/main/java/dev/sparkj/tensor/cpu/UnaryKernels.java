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

    /** The vector loops over {@code n}, a multiple of {@link #VL}. */
    private static void vectors(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i += VL) FloatVector.fromArray(F, x, xo + i).neg().intoArray(y, yo + i); }
            case ABS -> { for (int i = 0; i < n; i += VL) FloatVector.fromArray(F, x, xo + i).abs().intoArray(y, yo + i); }
            case EXP -> { for (int i = 0; i < n; i += VL) VecMath.exp(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i); }
            case LOG -> { for (int i = 0; i < n; i += VL) VecMath.log(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i); }
            case SQRT -> { for (int i = 0; i < n; i += VL) FloatVector.fromArray(F, x, xo + i).sqrt().intoArray(y, yo + i); }
            case RSQRT -> {
                FloatVector one = FloatVector.broadcast(F, 1f);
                for (int i = 0; i < n; i += VL) one.div(FloatVector.fromArray(F, x, xo + i).sqrt()).intoArray(y, yo + i);
            }
            case RECIPROCAL -> {
                FloatVector one = FloatVector.broadcast(F, 1f);
                for (int i = 0; i < n; i += VL) one.div(FloatVector.fromArray(F, x, xo + i)).intoArray(y, yo + i);
            }
            case SQUARE -> {
                for (int i = 0; i < n; i += VL) {
                    FloatVector v = FloatVector.fromArray(F, x, xo + i);
                    v.mul(v).intoArray(y, yo + i);
                }
            }
            case SIGN -> { // +-1, keeping +-0 and NaN as they are (Math.signum)
                FloatVector one = FloatVector.broadcast(F, 1f), mone = FloatVector.broadcast(F, -1f);
                for (int i = 0; i < n; i += VL) {
                    FloatVector v = FloatVector.fromArray(F, x, xo + i);
                    v.blend(one, v.compare(VectorOperators.GT, 0f)).blend(mone, v.compare(VectorOperators.LT, 0f)).intoArray(y, yo + i);
                }
            }
            case RELU -> { // x <= 0 -> +0, NaN kept
                FloatVector zero = FloatVector.zero(F);
                for (int i = 0; i < n; i += VL) {
                    FloatVector v = FloatVector.fromArray(F, x, xo + i);
                    v.blend(zero, v.compare(VectorOperators.LE, 0f)).intoArray(y, yo + i);
                }
            }
            case RELU6 -> { for (int i = 0; i < n; i += VL) FloatVector.fromArray(F, x, xo + i).max(0f).min(6f).intoArray(y, yo + i); }
            case SIGMOID -> {
                FloatVector one = FloatVector.broadcast(F, 1f);
                for (int i = 0; i < n; i += VL)
                    one.div(VecMath.exp(FloatVector.fromArray(F, x, xo + i).neg()).add(1f)).intoArray(y, yo + i);
            }
            case TANH -> { for (int i = 0; i < n; i += VL) FloatVector.fromArray(F, x, xo + i).lanewise(VectorOperators.TANH).intoArray(y, yo + i); }
            case ERF -> ErfMath.erf(x, xo, y, yo, n);
            case GELU -> ErfMath.gelu(x, xo, y, yo, n, false);
            case GELU_GRAD -> ErfMath.gelu(x, xo, y, yo, n, true);
        }
    }
}
