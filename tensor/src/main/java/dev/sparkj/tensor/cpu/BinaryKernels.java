package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.BinaryOp;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense F32 kernels of two or three operands: arithmetic {@link BinaryOp}s, comparisons into BOOL
 * bytes, {@code where} and {@code clamp}. Each runs {@code n} elements from the given offsets with unit
 * stride; tails go through padded buffers and the same vector code.
 */
final class BinaryKernels {
    private BinaryKernels() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int VL = F.length();
    /** Bytes with as many lanes as F (null when no such shape exists: the byte kernels then run scalar). */
    static final VectorSpecies<Byte> BS = byteSpecies();

    private static VectorSpecies<Byte> byteSpecies() {
        try {
            return VectorSpecies.of(byte.class, VectorShape.forBitSize(VL * 8));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code y = op(a, b)} for an arithmetic op. */
    static void arith(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) arithVectors(op, a, ao, b, bo, y, yo, bound);
        if (bound < n) {
            int r = n - bound;
            float[] ta = new float[VL], tb = new float[VL];
            System.arraycopy(a, ao + bound, ta, 0, r);
            System.arraycopy(b, bo + bound, tb, 0, r);
            arithVectors(op, ta, 0, tb, 0, ta, 0, VL);
            System.arraycopy(ta, 0, y, yo + bound, r);
        }
    }

    /*
     * One small method per op, not one switch with every loop inline: in a ResNet-50 step C2 compiled the
     * single large method with some vector operations left as calls into the Vector API's Java fallback
     * (JFR: FloatVector.bTest / compareTemplate under the relu gradient), at a fraction of the speed.
     */
    private static void arithVectors(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        switch (op) {
            case ADD -> add(a, ao, b, bo, y, yo, n);
            case SUB -> sub(a, ao, b, bo, y, yo, n);
            case MUL -> mul(a, ao, b, bo, y, yo, n);
            case DIV -> div(a, ao, b, bo, y, yo, n);
            case MAX -> max(a, ao, b, bo, y, yo, n);
            case MIN -> min(a, ao, b, bo, y, yo, n);
            case POW -> pow(a, ao, b, bo, y, yo, n);
            case RELU_GRAD -> reluGrad(a, ao, b, bo, y, yo, n);
            case RELU6_GRAD -> relu6Grad(a, ao, b, bo, y, yo, n);
            case GELU_GRAD -> ErfMath.gelu(b, bo, y, yo, n, true, a, ao);
            default -> throw new IllegalArgumentException(op + " is not arithmetic");
        }
    }

    private static void add(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) va(a, ao + i).add(va(b, bo + i)).intoArray(y, yo + i);
    }

    private static void sub(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) va(a, ao + i).sub(va(b, bo + i)).intoArray(y, yo + i);
    }

    private static void mul(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) va(a, ao + i).mul(va(b, bo + i)).intoArray(y, yo + i);
    }

    private static void div(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) va(a, ao + i).div(va(b, bo + i)).intoArray(y, yo + i);
    }

    private static void max(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) va(a, ao + i).max(va(b, bo + i)).intoArray(y, yo + i);
    }

    private static void min(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) va(a, ao + i).min(va(b, bo + i)).intoArray(y, yo + i);
    }

    private static void pow(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += VL) va(a, ao + i).lanewise(VectorOperators.POW, va(b, bo + i)).intoArray(y, yo + i);
    }

    /** a where b > 0, else +0. */
    private static void reluGrad(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < n; i += VL)
            zero.blend(va(a, ao + i), va(b, bo + i).compare(VectorOperators.GT, zero)).intoArray(y, yo + i);
    }

    /** a where 0 < b < 6, else +0. */
    private static void relu6Grad(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        FloatVector zero = FloatVector.zero(F), six = FloatVector.broadcast(F, 6f);
        for (int i = 0; i < n; i += VL) {
            FloatVector v = va(b, bo + i);
            zero.blend(va(a, ao + i), v.compare(VectorOperators.GT, zero).and(v.compare(VectorOperators.LT, six))).intoArray(y, yo + i);
        }
    }

    /** {@code y = op(a, s)} for an arithmetic op and a scalar right operand. */
    static void arithScalar(BinaryOp op, float[] a, int ao, float s, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        if (bound > 0) arithScalarVectors(op, a, ao, s, y, yo, bound);
        if (bound < n) {
            float[] t = new float[VL];
            System.arraycopy(a, ao + bound, t, 0, n - bound);
            arithScalarVectors(op, t, 0, s, t, 0, VL);
            System.arraycopy(t, 0, y, yo + bound, n - bound);
        }
    }

    private static void arithScalarVectors(BinaryOp op, float[] a, int ao, float s, float[] y, int yo, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i += VL) va(a, ao + i).add(s).intoArray(y, yo + i); }
            case SUB -> { for (int i = 0; i < n; i += VL) va(a, ao + i).sub(s).intoArray(y, yo + i); }
            case MUL -> { for (int i = 0; i < n; i += VL) va(a, ao + i).mul(s).intoArray(y, yo + i); }
            case DIV -> { for (int i = 0; i < n; i += VL) va(a, ao + i).div(s).intoArray(y, yo + i); }
            case MAX -> { for (int i = 0; i < n; i += VL) va(a, ao + i).max(s).intoArray(y, yo + i); }
            case MIN -> { for (int i = 0; i < n; i += VL) va(a, ao + i).min(s).intoArray(y, yo + i); }
            case POW -> {
                if (s == 2f) {
                    for (int i = 0; i < n; i += VL) { FloatVector v = va(a, ao + i); v.mul(v).intoArray(y, yo + i); }
                } else if (s == 1f) {
                    for (int i = 0; i < n; i += VL) va(a, ao + i).intoArray(y, yo + i);
                } else if (s == 0.5f) {
                    FloatVector inf = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
                    for (int i = 0; i < n; i += VL) {  // pow(-0, 0.5) = +0 and pow(-inf, 0.5) = inf, unlike sqrt
                        FloatVector v = va(a, ao + i);
                        v.sqrt().abs().blend(inf, v.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)).intoArray(y, yo + i);
                    }
                } else {
                    FloatVector sv = FloatVector.broadcast(F, s);
                    for (int i = 0; i < n; i += VL) va(a, ao + i).lanewise(VectorOperators.POW, sv).intoArray(y, yo + i);
                }
            }
            case GELU_GRAD -> { // one input value for all: a times the derivative there
                float[] d = new float[VL];
                java.util.Arrays.fill(d, s);
                ErfMath.gelu(d, 0, d, 0, VL, true, null, 0);
                for (int i = 0; i < n; i += VL) va(a, ao + i).mul(d[0]).intoArray(y, yo + i);
            }
            case RELU_GRAD, RELU6_GRAD -> { // one activation value for all: the gradient passes whole or not at all
                boolean pass = op == BinaryOp.RELU_GRAD ? s > 0 : s > 0 && s < 6;
                FloatVector zero = FloatVector.zero(F);
                for (int i = 0; i < n; i += VL) (pass ? va(a, ao + i) : zero).intoArray(y, yo + i);
            }
            default -> throw new IllegalArgumentException(op + " is not arithmetic");
        }
    }

    /** {@code y = op(a, b) ? 1 : 0} as BOOL bytes. */
    static void compare(BinaryOp op, float[] a, int ao, float[] b, int bo, byte[] y, int yo, int n) {
        VectorOperators.Comparison cmp = switch (op) {
            case EQ -> VectorOperators.EQ;
            case NE -> VectorOperators.NE;
            case LT -> VectorOperators.LT;
            case LE -> VectorOperators.LE;
            case GT -> VectorOperators.GT;
            case GE -> VectorOperators.GE;
            default -> throw new IllegalArgumentException(op + " is not a comparison");
        };
        int i = 0;
        if (BS != null) {
            ByteVector zero = ByteVector.zero(BS);
            for (int bound = F.loopBound(n); i < bound; i += VL) {
                VectorMask<Byte> m = va(a, ao + i).compare(cmp, va(b, bo + i)).cast(BS);
                zero.blend((byte) 1, m).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            float p = a[ao + i], q = b[bo + i];
            boolean r = switch (op) {
                case EQ -> p == q;
                case NE -> p != q;
                case LT -> p < q;
                case LE -> p <= q;
                case GT -> p > q;
                default -> p >= q;
            };
            y[yo + i] = (byte) (r ? 1 : 0);
        }
    }

    /** {@code y = c != 0 ? a : b}. */
    static void where(byte[] c, int co, float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        int i = 0;
        if (BS != null) {
            for (int bound = F.loopBound(n); i < bound; i += VL) {
                VectorMask<Float> m = ByteVector.fromArray(BS, c, co + i).compare(VectorOperators.NE, (byte) 0).cast(F);
                va(b, bo + i).blend(va(a, ao + i), m).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) y[yo + i] = c[co + i] != 0 ? a[ao + i] : b[bo + i];
    }

    /** {@code y = min(max(x, lo), hi)}, NaN kept. */
    static void clamp(float[] x, int xo, float lo, float hi, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        for (int i = 0; i < bound; i += VL) va(x, xo + i).max(lo).min(hi).intoArray(y, yo + i);
        for (int i = bound; i < n; i++) y[yo + i] = Math.min(Math.max(x[xo + i], lo), hi);
    }

    private static FloatVector va(float[] a, int o) { return FloatVector.fromArray(F, a, o); }
}
