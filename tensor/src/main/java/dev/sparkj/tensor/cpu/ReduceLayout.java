package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;

/**
 * A reduction of x over some axes into out, laid out for the kernels: the input's dimensions in memory
 * order (after {@link LoopPlan} merging) split into kept "group" dimensions, reduced "row" dimensions and
 * the inner run. When the inner run is reduced (row mode, e.g. LayerNorm over C in NHWC) each output
 * sums contiguous runs; when it is kept (column mode, e.g. BatchNorm statistics over N, H, W in NHWC)
 * each step adds a whole run of outputs at once.
 *
 * <p>Outputs are numbered {@code g * cols + c}: group g (odometer over the group dims), column c of the
 * inner run ({@code cols == 1} in row mode).
 */
final class ReduceLayout {
    final int[] gShape, gX, gOut;  // kept outer dims: size, x stride, out stride
    final int[] rShape, rX;        // reduced outer dims: size, x stride
    final int inner, innerX, innerOut;
    final boolean column;          // inner run kept (true) or reduced (false)
    final int xOff, outOff;
    /** Reduced elements per output. */
    final int count;

    private ReduceLayout(int[] gShape, int[] gX, int[] gOut, int[] rShape, int[] rX, int inner, int innerX, int innerOut,
                         boolean column, int xOff, int outOff, int count) {
        this.gShape = gShape; this.gX = gX; this.gOut = gOut;
        this.rShape = rShape; this.rX = rX;
        this.inner = inner; this.innerX = innerX; this.innerOut = innerOut;
        this.column = column; this.xOff = xOff; this.outOff = outOff; this.count = count;
    }

    /** x reduced over {@code reduced[d]} dims into out (x's shape with those dims 1); x must not be empty. */
    static ReduceLayout of(Tensor x, boolean[] reduced, Tensor out) {
        int[] shape = x.shape(), xs = x.strides(), os = out.strides();
        int[] outSt = new int[shape.length];
        int count = 1;
        for (int d = 0; d < shape.length; d++) {
            if (reduced[d]) count *= shape[d];
            else outSt[d] = os[d];
        }
        // after planning, a dim is kept exactly when its out stride is non-zero (kept dims of size > 1
        // have one; size-1 dims are dropped), even when x broadcasts along it (x stride 0)
        LoopPlan p = LoopPlan.of(shape, new int[][]{xs, outSt}, new int[]{x.offset(), out.offset()});
        int r = p.rank();
        int last = r - 1;
        boolean column = p.strides[1][last] != 0;
        int nG = 0, nR = 0;
        for (int d = 0; d < last; d++) if (p.strides[1][d] != 0) nG++; else nR++;
        int[] gShape = new int[nG], gX = new int[nG], gOut = new int[nG], rShape = new int[nR], rX = new int[nR];
        for (int d = 0, i = 0, j = 0; d < last; d++) {
            if (p.strides[1][d] != 0) { gShape[i] = p.shape[d]; gX[i] = p.strides[0][d]; gOut[i++] = p.strides[1][d]; }
            else { rShape[j] = p.shape[d]; rX[j++] = p.strides[0][d]; }
        }
        return new ReduceLayout(gShape, gX, gOut, rShape, rX, p.shape[last], p.strides[0][last],
                column ? p.strides[1][last] : 0, column, p.offsets[0], p.offsets[1], count);
    }

    int groups() { return prod(gShape); }
    int rows() { return prod(rShape); }
    /** Outputs per group: the inner run in column mode, else 1. */
    int cols() { return column ? inner : 1; }

    private static int prod(int[] s) {
        int n = 1;
        for (int v : s) n *= v;
        return n;
    }

    /** x and out offsets of group g: {@code {xBase, outBase}}. */
    void groupBase(int g, int[] base) {
        int xb = xOff, ob = outOff;
        for (int d = gShape.length - 1; d >= 0; d--) {
            int i = g % gShape[d];
            g /= gShape[d];
            xb += i * gX[d];
            ob += i * gOut[d];
        }
        base[0] = xb;
        base[1] = ob;
    }

    /** A cursor over reduced rows: x offsets relative to the group base, in odometer order. */
    final class Rows {
        private final int[] idx = new int[rShape.length];
        private int off;

        /** Positions the cursor on row {@code r}. */
        Rows(int r) {
            for (int d = rShape.length - 1; d >= 0; d--) {
                idx[d] = r % rShape[d];
                r /= rShape[d];
                off += idx[d] * rX[d];
            }
        }

        int offset() { return off; }

        void next() {
            for (int d = rShape.length - 1; d >= 0; d--) {
                off += rX[d];
                if (++idx[d] < rShape[d]) return;
                off -= rX[d] * rShape[d];
                idx[d] = 0;
            }
        }
    }
}
