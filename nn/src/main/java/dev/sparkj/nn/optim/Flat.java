package dev.sparkj.nn.optim;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;

import java.util.Arrays;

/**
 * The fused update path's view of tensors: when every tensor of one parameter (value, gradient, state)
 * is a dense F32 block on the heap with the same strides, their elements line up one to one in memory,
 * so an elementwise update can run as one loop over {@code float[]} ranges. Anything else (another
 * device, mixed layouts, other dtypes) takes the composed Tensor-op path, which gives the same bits
 * (norms may differ in the last bit of a double sum on tensors larger than one {@link Chunks} item).
 */
final class Flat {
    private Flat() {}

    /** True when all tensors (none null) are dense heap F32 with equal shapes and strides. */
    static boolean fusible(Tensor... ts) {
        Tensor first = ts[0];
        for (Tensor t : ts) {
            if (t == null || t.dtype() != DType.F32 || !(t.storage() instanceof HeapStorage) || !t.isDense()) return false;
            if (t != first && (!Arrays.equals(t.shape(), first.shape()) || !Arrays.equals(t.strides(), first.strides()))) return false;
        }
        return true;
    }

    /** The backing array of a tensor accepted by {@link #fusible}; its elements are {@code [offset, offset + numel)}. */
    static float[] array(Tensor t) { return ((HeapStorage) t.storage()).f32(); }
}
