package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.BinaryOp;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.UnaryOp;

import java.util.Arrays;

/**
 * F32 elementwise primitives (unary, binary, binary with a scalar, comparisons, where, clamp) on any
 * strided views. A {@link LoopPlan} turns operands that are dense in the output's memory order into one
 * flat run (row-major or channels-last alike); inner runs with unit stride go straight to the vector
 * kernels, a stride-0 (broadcast) operand is expanded once per segment into a small buffer, and any
 * other stride is gathered into a buffer (results scattered back when the output itself is strided).
 */
final class Elementwise {
    private Elementwise() {}

    /** Elements per gathered block. */
    static final int BLOCK = 1024;

    /** An elementwise function of one float operand over {@code n} elements: {@code y[yo..] = f(x[xo..])}. */
    @FunctionalInterface
    private interface RowOp { void apply(float[] x, int xo, float[] y, int yo, int n); }

    /**
     * {@code out = f(x)} elementwise: unit-stride runs go to {@code f} whole, other strides through gathered
     * blocks (results scattered back when the output is strided).
     */
    private static void map(Tensor x, Tensor out, RowOp f) {
        LoopPlan p = LoopPlan.of(out, x);
        float[] ya = Heap.f32(out), xa = Heap.f32(x);
        int so = p.innerStride(0), sx = p.innerStride(1);
        StridedLoops.run(p, () -> {
            float[] bx = new float[BLOCK], by = new float[BLOCK];
            return (off, n) -> {
                if (sx == 1 && so == 1) {
                    f.apply(xa, off[1], ya, off[0], n);
                    return;
                }
                for (int i = 0; i < n; i += BLOCK) {
                    int m = Math.min(BLOCK, n - i);
                    float[] src = source(xa, off[1] + i * sx, sx, bx, m);
                    int srcOff = sx == 1 ? off[1] + i : 0;
                    if (so == 1) f.apply(src, srcOff, ya, off[0] + i, m);
                    else {
                        f.apply(src, srcOff, by, 0, m);
                        scatter(by, ya, off[0] + i * so, so, m);
                    }
                }
            };
        });
    }

    static void unary(UnaryOp op, Tensor x, Tensor out) {
        map(x, out, (xa, xo, ya, yo, n) -> UnaryKernels.apply(op, xa, xo, ya, yo, n));
    }

    static void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        LoopPlan p = LoopPlan.of(out, a, b);
        float[] aa = Heap.f32(a), ba = Heap.f32(b);
        int so = p.innerStride(0), sa = p.innerStride(1), sb = p.innerStride(2);
        boolean cmp = op.isComparison();
        float[] ya = cmp ? null : Heap.f32(out);
        byte[] yb = cmp ? Heap.u8(out) : null;
        StridedLoops.run(p, () -> {
            float[] bufA = new float[BLOCK], bufB = new float[BLOCK], bufY = new float[BLOCK];
            byte[] bufC = new byte[BLOCK];
            return (off, n) -> {
                for (int i = 0; i < n; i += BLOCK) {
                    int m = Math.min(BLOCK, n - i);
                    // a stride-0 operand is expanded once: its buffer already holds the value after block 0
                    float[] srcA = sa == 0 && i > 0 ? bufA : source(aa, off[1] + i * sa, sa, bufA, m);
                    float[] srcB = sb == 0 && i > 0 ? bufB : source(ba, off[2] + i * sb, sb, bufB, m);
                    int oa = sa == 1 ? off[1] + i : 0, ob = sb == 1 ? off[2] + i : 0;
                    if (cmp) {
                        if (so == 1) BinaryKernels.compare(op, srcA, oa, srcB, ob, yb, off[0] + i, m);
                        else {
                            BinaryKernels.compare(op, srcA, oa, srcB, ob, bufC, 0, m);
                            for (int j = 0; j < m; j++) yb[off[0] + (i + j) * so] = bufC[j];
                        }
                    } else if (so == 1) {
                        BinaryKernels.arith(op, srcA, oa, srcB, ob, ya, off[0] + i, m);
                    } else {
                        BinaryKernels.arith(op, srcA, oa, srcB, ob, bufY, 0, m);
                        scatter(bufY, ya, off[0] + i * so, so, m);
                    }
                }
            };
        });
    }

    static void binaryScalar(BinaryOp op, Tensor a, double scalar, Tensor out) {
        float s = (float) scalar;
        map(a, out, (xa, xo, ya, yo, n) -> BinaryKernels.arithScalar(op, xa, xo, s, ya, yo, n));
    }

    static void clamp(Tensor x, double lo, double hi, Tensor out) {
        float l = (float) lo, h = (float) hi;
        map(x, out, (xa, xo, ya, yo, n) -> BinaryKernels.clamp(xa, xo, l, h, ya, yo, n));
    }

    /** out = cond != 0 ? a : b, cond BOOL or U8. */
    static void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        LoopPlan p = LoopPlan.of(out, cond, a, b);
        float[] ya = Heap.f32(out), aa = Heap.f32(a), ba = Heap.f32(b);
        byte[] ca = Heap.u8(cond);
        int so = p.innerStride(0), sc = p.innerStride(1), sa = p.innerStride(2), sb = p.innerStride(3);
        StridedLoops.run(p, () -> {
            float[] bufA = new float[BLOCK], bufB = new float[BLOCK], bufY = new float[BLOCK];
            byte[] bufC = new byte[BLOCK];
            return (off, n) -> {
                for (int i = 0; i < n; i += BLOCK) {
                    int m = Math.min(BLOCK, n - i);
                    byte[] srcC = ca;
                    int oc = off[1] + i;
                    if (sc != 1) {
                        for (int j = 0; j < m; j++) bufC[j] = ca[off[1] + (i + j) * sc];
                        srcC = bufC;
                        oc = 0;
                    }
                    float[] srcA = source(aa, off[2] + i * sa, sa, bufA, m), srcB = source(ba, off[3] + i * sb, sb, bufB, m);
                    int oa = sa == 1 ? off[2] + i : 0, ob = sb == 1 ? off[3] + i : 0;
                    if (so == 1) BinaryKernels.where(srcC, oc, srcA, oa, srcB, ob, ya, off[0] + i, m);
                    else {
                        BinaryKernels.where(srcC, oc, srcA, oa, srcB, ob, bufY, 0, m);
                        scatter(bufY, ya, off[0] + i * so, so, m);
                    }
                }
            };
        });
    }

    /**
     * The array to read {@code m} elements of a strided run from: the array itself for unit stride
     * (read at the run's offset), else {@code buf} filled from the run (read at 0).
     */
    static float[] source(float[] a, int off, int stride, float[] buf, int m) {
        if (stride == 1) return a;
        if (stride == 0) Arrays.fill(buf, 0, m, a[off]);
        else for (int j = 0; j < m; j++) buf[j] = a[off + j * stride];
        return buf;
    }

    static void scatter(float[] src, float[] dst, int off, int stride, int m) {
        for (int j = 0; j < m; j++) dst[off + j * stride] = src[j];
    }
}
