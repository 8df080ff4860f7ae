package dev.sparkj.sparse;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;

/**
 * Direct access to row-major F32 tensors on the Java heap, for the few sparse kernels that run on
 * {@code float[]} for speed; every such kernel keeps a composed Tensor-op path for other dtypes
 * and devices ({@link #eligible}).
 */
final class HeapF32 {
    private HeapF32() {}

    /** Whether every tensor is F32 in heap storage (the direct kernels' precondition, after {@link #dense}). */
    static boolean eligible(Tensor... ts) {
        for (Tensor t : ts) if (t != null && (t.dtype() != DType.F32 || !(t.storage() instanceof HeapStorage))) return false;
        return true;
    }

    /** This tensor row-major (a copy when it is not). */
    static Tensor dense(Tensor t) { return t.contiguous(); }

    /** The backing array of a row-major heap F32 tensor; element i is at {@code array(t)[t.offset() + i]}. */
    static float[] array(Tensor t) {
        if (!t.isContiguous()) throw new IllegalArgumentException("direct kernels need row-major tensors, got strides " + java.util.Arrays.toString(t.strides()));
        return ((HeapStorage) t.storage()).f32();
    }

    /** A fresh zero-filled row-major F32 heap tensor. */
    static Tensor zeros(Tensor like, int... shape) { return Tensor.zeros(DType.F32, like.backend(), shape); }
}
