package dev.sparkj.autograd.ops;

import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

/** Small tensor helpers shared by the op families' backward functions. */
final class OpUtil {
    private OpUtil() {}

    /** A 0-d zero of {@code like}'s dtype on its backend (broadcasts in where/add). */
    static Tensor zero(Tensor like) { return Tensor.scalar(0, like.dtype(), like.backend()); }

    /** A row-major zero tensor of {@code shape} with {@code like}'s dtype and backend. */
    static Tensor zeros(Tensor like, int[] shape) { return Tensor.zeros(like.dtype(), like.backend(), shape); }

    /** A BOOL mask as 0/1 in {@code like}'s dtype. */
    static Tensor asFloat(Tensor mask, Tensor like) { return mask.cast(like.dtype()); }

    /** {@code shape} with the (normalised) reduced axes set to 1. */
    static int[] keepShape(int[] shape, int[] axes) {
        int[] k = shape.clone();
        for (int a : axes) k[a] = 1;
        return k;
    }

    /** Number of elements folded into each output of a reduction over {@code axes}. */
    static int reducedCount(int[] shape, int[] axes) {
        int n = 1;
        for (int a : axes) n *= shape[a];
        return n;
    }

    /** Normalised, sorted, distinct axes. */
    static int[] axes(int[] axes, int rank) { return Shapes.axes(axes, rank); }

    /** Every axis of a rank. */
    static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i;
        return a;
    }
}
