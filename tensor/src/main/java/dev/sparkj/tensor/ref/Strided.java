package dev.sparkj.tensor.ref;

import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;

/** Storage positions of a tensor's elements in logical row-major order: the reference backend's only way of walking a view. */
final class Strided {
    private Strided() {}

    /** {@code offsets(t)[i]} = storage index of the i-th element in row-major logical order. */
    static int[] offsets(Tensor t) {
        int[] shape = t.shape(), strides = t.strides();
        int n = t.numel();
        int[] out = new int[n];
        int[] idx = new int[shape.length];
        int off = t.offset();
        for (int i = 0; i < n; i++) {
            out[i] = off;
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) break;
                off -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    static HeapStorage heap(Tensor t) {
        if (t.storage() instanceof HeapStorage h) return h;
        throw new IllegalArgumentException("reference backend needs heap tensors, got " + t);
    }

    /** All values of t as doubles in row-major logical order. */
    static double[] values(Tensor t) {
        HeapStorage h = heap(t);
        int[] o = offsets(t);
        double[] v = new double[o.length];
        for (int i = 0; i < o.length; i++) v[i] = h.get(o[i]);
        return v;
    }

    /** Writes values (row-major logical order) into t, rounding to its dtype. */
    static void store(Tensor t, double[] v) {
        HeapStorage h = heap(t);
        int[] o = offsets(t);
        for (int i = 0; i < o.length; i++) h.set(o[i], v[i]);
    }
}
