package dev.sparkj.tensor.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * A process-wide pool of reusable float arrays for kernel workspaces (im2col columns, repacked
 * weights, layout conversions), so hot paths do not allocate large arrays per call.
 *
 * <p>Lifecycle: open a {@link Lease} with try-with-resources, take arrays from it with
 * {@link Lease#floats}, and every array goes back to the pool when the lease closes; do not keep a
 * reference past that. Arrays are handed out with unspecified contents. Leases nest and may be used
 * from fork-join workers (each lease holds its own arrays, so a worker that helps with another task
 * while waiting never shares one). The pool keeps at most {@link #MAX_POOLED} floats; beyond that the
 * largest idle arrays are left to the garbage collector.
 */
final class Workspace {
    private Workspace() {}

    /**
     * Floats kept idle in the pool at most: 256 MiB, or a twelfth of the maximum heap if that is less
     * ({@code -Dsparkj.workspace.maxPooledMiB=N} overrides). Idle arrays are live heap for the whole step, so
     * the bound is part of the peak memory. 256 MiB keeps more of Winograd's large workspaces (the transformed
     * weights and their gradients at 768 channels, 81-135 MB each, and the per-worker blocks), which a 64 MiB pool
     * dropped and the next call allocated (and the JVM zeroed) again: SparK ResNet-50 at batch 16 allocates
     * 6.9 GB per step instead of 8.4-8.8, ConvNeXt-S at batch 8 3.6 instead of 5.5, with the same full
     * collections; 512 MiB doubled those (docs/benchmarks.md, "Session 13"). Not all of them: the largest go
     * first when the pool is full, and a ResNet-50 step still allocates five 81 MB transformed weights and two
     * 135 MB weight-gradient partials afresh (JFR, "Session 14"). A whole-activation layout copy
     * (up to ~150 MB in SparK's decoder at 224 px) may now stay idle in the pool as well; whenever the pool is
     * over its bound, the largest idle arrays are dropped first.
     */
    static final long MAX_POOLED = Long.getLong("sparkj.workspace.maxPooledMiB",
            Math.min(256L, Runtime.getRuntime().maxMemory() / 12 >> 20)) << 18;

    private static final List<float[]> FREE = new ArrayList<>();
    private static long pooled;

    /** Opens a lease; close it to return its arrays. */
    static Lease lease() { return new Lease(); }

    private static synchronized float[] take(int n) {
        int best = -1;
        for (int i = 0; i < FREE.size(); i++) {
            int len = FREE.get(i).length;
            if (len >= n && (best < 0 || len < FREE.get(best).length)) best = i;
        }
        if (best >= 0) {
            float[] a = FREE.remove(best);
            pooled -= a.length;
            return a;
        }
        return null;
    }

    private static synchronized void give(float[] a) {
        FREE.add(a);
        pooled += a.length;
        while (pooled > MAX_POOLED && !FREE.isEmpty()) {
            int largest = 0;
            for (int i = 1; i < FREE.size(); i++) if (FREE.get(i).length > FREE.get(largest).length) largest = i;
            pooled -= FREE.remove(largest).length;
        }
    }

    /** Arrays borrowed from the pool until {@link #close()}. */
    static final class Lease implements AutoCloseable {
        private final List<float[]> held = new ArrayList<>(2);

        /** An array of at least {@code n} floats with unspecified contents, valid until this lease closes. */
        float[] floats(int n) {
            float[] a = take(n);
            if (a == null) a = new float[Math.max(n, 16)];
            held.add(a);
            return a;
        }

        /** Like {@link #floats} but zero-filled over the first {@code n} elements. */
        float[] zeros(int n) {
            float[] a = floats(n);
            java.util.Arrays.fill(a, 0, n, 0f);
            return a;
        }

        @Override
        public void close() {
            for (float[] a : held) give(a);
            held.clear();
        }
    }
}
