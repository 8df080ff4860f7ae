package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;

import java.util.Arrays;

/**
 * A loop nest for walking several same-shaped strided views together. Dimensions are ordered by the
 * first operand's memory order (outermost first), size-1 dimensions are dropped and neighbours are
 * merged wherever every operand allows it, so operands that are dense in the same memory order
 * (row-major or channels-last alike) become one flat run, and a stride-0 broadcast stays a stride-0
 * dimension of its own.
 *
 * <p>The result always has rank &ge; 1: {@code shape[rank - 1]} is the inner run walked by kernels,
 * {@code strides[k][d]} is operand k's stride (in elements) along dimension d, {@code offsets[k]}
 * its first element.
 */
final class LoopPlan {
    final int[] shape;
    final int[][] strides;
    final int[] offsets;

    private LoopPlan(int[] shape, int[][] strides, int[] offsets) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
    }

    /** Plan over views of one shape; operand 0 decides the loop order. */
    static LoopPlan of(Tensor... ts) {
        int[] shape = ts[0].shape();
        int[][] st = new int[ts.length][];
        int[] off = new int[ts.length];
        for (int k = 0; k < ts.length; k++) {
            if (!Arrays.equals(shape, ts[k].shape()))
                throw new IllegalArgumentException("loop operands differ in shape: " + ts[0] + " vs " + ts[k]);
            st[k] = ts[k].strides();
            off[k] = ts[k].offset();
        }
        return of(shape, st, off);
    }

    /** Plan over {@code shape} with per-operand strides and offsets (arrays are not modified). */
    static LoopPlan of(int[] shape, int[][] strides, int[] offsets) {
        int ops = strides.length, n = shape.length;
        // dims that matter, outermost first by operand 0's stride, then by the other operands' strides
        Integer[] dims = new Integer[n];
        int r = 0;
        for (int d = 0; d < n; d++) if (shape[d] != 1) dims[r++] = d;
        Integer[] live = Arrays.copyOf(dims, r);
        Arrays.sort(live, (p, q) -> {
            for (int k = 0; k < ops; k++) {
                int c = Integer.compare(strides[k][q], strides[k][p]);
                if (c != 0) return c;
            }
            return Integer.compare(p, q);
        });
        int[] sh = new int[Math.max(r, 1)];
        int[][] st = new int[ops][Math.max(r, 1)];
        int m = 0;
        for (int i = 0; i < r; i++) {
            int d = live[i];
            if (m > 0 && mergeable(strides, d, shape[d], st, m - 1)) {
                sh[m - 1] *= shape[d];
                for (int k = 0; k < ops; k++) st[k][m - 1] = strides[k][d];
                continue;
            }
            sh[m] = shape[d];
            for (int k = 0; k < ops; k++) st[k][m] = strides[k][d];
            m++;
        }
        if (m == 0) { // a single element
            sh[0] = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            m = 1;
        }
        int[] fs = Arrays.copyOf(sh, m);
        int[][] fst = new int[ops][];
        for (int k = 0; k < ops; k++) fst[k] = Arrays.copyOf(st[k], m);
        return new LoopPlan(fs, fst, offsets.clone());
    }

    /** Whether dim d (size {@code size}) can join the previous plan dim {@code prev} as its faster part. */
    private static boolean mergeable(int[][] strides, int d, int size, int[][] st, int prev) {
        for (int k = 0; k < strides.length; k++)
            if ((long) st[k][prev] != (long) strides[k][d] * size) return false;
        return true;
    }

    int rank() { return shape.length; }

    /** Length of the inner run. */
    int inner() { return shape[shape.length - 1]; }

    /** Operand k's stride along the inner run. */
    int innerStride(int k) { return strides[k][shape.length - 1]; }

    /** Number of inner runs (product of the outer dimensions). */
    int outer() {
        int n = 1;
        for (int d = 0; d < shape.length - 1; d++) n *= shape[d];
        return n;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("LoopPlan" + Arrays.toString(shape));
        for (int[] s : strides) b.append(' ').append(Arrays.toString(s));
        return b.toString();
    }
}
