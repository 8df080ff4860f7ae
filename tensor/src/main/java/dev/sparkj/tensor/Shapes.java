package dev.sparkj.tensor;

import java.util.Arrays;

/** Small helpers on shape and stride arrays. */
public final class Shapes {
    private Shapes() {}

    /** Number of elements of a shape (1 for a scalar). */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return (int) n;
    }

    /** Row-major (C order) strides. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** The shape two shapes broadcast to (NumPy rules), or an error naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Normalises a possibly negative axis. */
    public static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    /** Sorted, distinct, normalised axes. */
    public static int[] axes(int[] axes, int rank) {
        int[] r = new int[axes.length];
        for (int i = 0; i < axes.length; i++) r[i] = axis(axes[i], rank);
        Arrays.sort(r);
        for (int i = 1; i < r.length; i++)
            if (r[i] == r[i - 1]) throw new IllegalArgumentException("repeated axis " + r[i]);
        return r;
    }

    public static String str(int[] shape) { return Arrays.toString(shape); }
}
