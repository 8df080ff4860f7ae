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

    /**
     * Gives this storage's memory back now, if it can recompute its contents when next read (see
     * {@link HeapStorage#recomputableFrom}); returns whether it did. A layer calls this on an activation whose last
     * reader in the forward pass has run: a node that saved it for backward then reads it recomputed, and no one
     * holds it in between. Any other storage keeps its memory and returns false.
     */
    public boolean evict() { return false; }

    /**
     * Gives the memory back now, for a layer that has just run the last reader of an intermediate result it made:
     * {@link #evict} if the storage can recompute its contents, else, when no node saved it for backward, its array
     * goes back for the next allocation and any later read fails with a clear error. Returns whether it did.
     * Storages that are not recyclable keep their memory.
     */
    public boolean release() { return false; }

    /** Whether {@link #evict} gave the memory back and the next read will recompute the contents. */
    public boolean evicted() { return false; }

    /** Makes an evicted storage hold its contents again (recomputes them now, on this thread); otherwise nothing. */
    public void materialize() {}

    /** References counted now (0 for storages that are not recyclable). */
    public final int uses() { return recyclable() ? uses : 0; }
}
