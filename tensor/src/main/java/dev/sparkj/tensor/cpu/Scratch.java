package dev.sparkj.tensor.cpu;

/**
 * Per-thread reusable float buffers for kernels that need workspace (GEMM packing), so hot paths
 * allocate only when a buffer must grow.
 *
 * <p>Take a buffer with {@link #take}, hand it back with {@link #give} in a {@code finally}. A buffer is
 * detached from its thread while taken, so a nested call on the same thread (a fork-join worker that
 * helps with another task while it waits) gets a fresh array instead of sharing one.
 */
final class Scratch {
    private final ThreadLocal<float[]> slot = new ThreadLocal<>();

    /** Returns a buffer of at least {@code size} floats, with unspecified contents. */
    float[] take(int size) {
        float[] buf = slot.get();
        if (buf == null || buf.length < size) return new float[size];
        slot.set(null);
        return buf;
    }

    /** Returns {@code buf} to this thread's slot (keeping the larger one if the slot was refilled). */
    void give(float[] buf) {
        float[] cur = slot.get();
        if (cur == null || cur.length < buf.length) slot.set(buf);
    }
}
