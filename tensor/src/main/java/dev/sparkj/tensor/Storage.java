package dev.sparkj.tensor;

/**
 * A flat block of elements owned by one backend's device. Tensors are strided views over a storage.
 * Heap storages ({@link HeapStorage}) are shared by every backend that computes on the JVM heap;
 * a device backend (OpenCL) provides its own subclass.
 */
public abstract class Storage {
    /** Element type of the block. */
    public abstract DType dtype();

    /** Number of elements. */
    public abstract int length();
}
