package dev.sparkj.tensor;

/**
 * A flat block of elements owned by one backend's device. Tensors are strided views over a storage.
 * Heap storages ({@link HeapStorage}) are shared by every backend that computes on the JVM heap;
 * a device backend (OpenCL) provides its own subclass.
 *
 * <p>A storage allocated inside a {@link Recycler} scope may be recyclable: the autograd engine counts
 * its references with {@link #use()} and {@link #unuse()}, and the last {@code unuse} hands its memory
 * back for the next allocation of the same size. For every other storage both are no-ops.
 */
public abstract class Storage {
    private int uses;

    /** Element type of the block. */
    public abstract DType dtype();

    /** Number of elements. */
    public abstract int length();

    /** Whether this storage gives its memory back when its last counted reference goes. */
    public boolean recyclable() { return false; }

    /** Hands the memory back; called once, when the count reaches zero. */
    protected void recycle() {}

    /** Never recycle this storage (a parameter, a buffer, a gradient given to a leaf). */
    public void pin() {}

    /** Counts one more reference: a node that saved this storage, or a gradient the engine holds. */
    public final void use() {
        if (recyclable() && uses++ == 0) counted();
    }

    /** The first counted reference arrived. */
    protected void counted() {}

    /** Drops a reference counted by {@link #use()}; the last one recycles the storage. */
    public final void unuse() {
        if (!recyclable()) return;
        if (uses <= 0) throw new IllegalStateException("storage released more often than used");
        if (--uses == 0) recycle();
    }

    /** References counted now (0 for storages that are not recyclable). */
    public final int uses() { return recyclable() ? uses : 0; }
}
