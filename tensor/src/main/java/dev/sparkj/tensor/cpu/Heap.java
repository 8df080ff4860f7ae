package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

/** The Java arrays behind heap tensors, for kernels. */
final class Heap {
    private Heap() {}

    static HeapStorage of(Tensor t) {
        if (t.storage() instanceof HeapStorage h) return h;
        throw new IllegalArgumentException("cpu backend needs heap tensors, got " + t);
    }

    static float[] f32(Tensor t) { return of(t).f32(); }
    static long[] i64(Tensor t) { return of(t).i64(); }
    static byte[] u8(Tensor t) { return of(t).u8(); }

    /** A row-major F32 view of {@code shape} over {@code a} from offset {@code off} (a workspace seen as a tensor). */
    static Tensor view(float[] a, int off, int... shape) {
        return new Tensor(HeapStorage.wrap(a), shape, Shapes.contiguousStrides(shape), off, Backends.cpu());
    }

    /** A view of {@code a} with explicit strides. */
    static Tensor view(float[] a, int off, int[] shape, int[] strides) {
        return new Tensor(HeapStorage.wrap(a), shape, strides, off, Backends.cpu());
    }
}
