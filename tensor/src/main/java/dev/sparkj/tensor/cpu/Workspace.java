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
     * Floats kept idle in the pool at most: 384 MiB, or a tenth of the maximum heap if that is less
     * ({@code -Dsparkj.workspace.maxPooledMiB=N} overrides). Idle arrays are live heap for the whole step, so
     * the bound is part of the peak memory. History: a 64 MiB pool dropped Winograd's large workspaces (the
     * transformed weights and their gradients at 768 channels, 81-135 MB each, and the per-worker blocks), which the
     * next call allocated (and the JVM zeroed) again; 256 MiB kept more of them (docs/benchmarks.md, "Session 13"),
     * but a SparK ResNet-50 step at batch 16 still allocated five 85 MB transformed weights or weight-gradient partials
     * and a 57 MB one afresh, 0.57 GB per step: its workspaces alive at once come to about 360 MiB with
     * {@link #sizeClass size classes}. At 384 MiB with size classes none of them is allocated afresh, a step allocates
     * 0.86 GB instead of 1.43 GB, and steps were faster (median ratio 1.08 over seven alternating pairs of runs) with
     * the same peak resident memory ("Session 20"). When the pool is over its bound, the largest idle arrays are
     * dropped first.
     */
    static final long MAX_POOLED = Long.getLong("sparkj.workspace.maxPooledMiB",
            Math.min(384L, Runtime.getRuntime().maxMemory() / 10 >> 20)) << 18;

    private static final List<float[]> FREE = new ArrayList<>();
    private static long pooled;

    /** Drops every idle array (for tests, and for a caller that is done with the kernels for a while). */
    static synchronized void clear() {
        FREE.clear();
        pooled = 0;
    }

    /** Opens a lease; close it to return its arrays. */
    static Lease lease() { return new Lease(); }

    /** {@code -Dsparkj.workspace.trace=true} prints every fresh array of 16 MiB or more, with its caller (which requests missed). */
    private static final boolean TRACE = Boolean.getBoolean("sparkj.workspace.trace");

    /**
     * The length a fresh array for {@code n} floats gets: from 64K floats up, {@code n} rounded up to an eighth of its
     * highest power of two (at most 12.5 % more). Requests that differ by a few hundred floats (the weight-gradient
     * partials of a layer and its transformed weights, for one) then get arrays of one length, which the pool can hand
     * from one to the other; before, a request 576 floats longer than the idle array missed it and allocated 85 MB.
     */
    static int sizeClass(int n) {
        if (n < (1 << 16)) return Math.max(n, 16);
        long granule = Integer.highestOneBit(n) >> 3;
        long rounded = (n + granule - 1) / granule * granule;
        return rounded <= Integer.MAX_VALUE - 8 ? (int) rounded : n;
    }

    /** The smallest idle array of at least {@code n} floats, or null. */
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

    private static void trace(int n) {
        StackTraceElement[] st = new Throwable().getStackTrace();
        long idle;
        synchronized (Workspace.class) { idle = pooled; }
        System.err.printf(java.util.Locale.ROOT, "workspace: fresh %d floats (pool %.1f MB) for %s <- %s%n",
                n, idle * 4e-6, st[2], st[3]);
    }

    /** Arrays borrowed from the pool until {@link #close()}. */
    static final class Lease implements AutoCloseable {
        private final List<float[]> held = new ArrayList<>(2);

        /** An array of at least {@code n} floats with unspecified contents, valid until this lease closes. */
        float[] floats(int n) {
            float[] a = take(n);
            if (a == null) {
                a = new float[sizeClass(n)];
                if (TRACE && n >= (1 << 22)) trace(n);
            }
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
