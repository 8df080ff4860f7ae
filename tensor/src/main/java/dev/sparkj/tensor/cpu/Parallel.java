package dev.sparkj.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one shared worker pool of the CPU backend, sized to the cores (override with
 * {@code -Dsparkj.threads=N}), and deterministic range splitting on top of it: work is cut into
 * fixed chunks that do not depend on timing, so every reduction order is repeatable.
 */
public final class Parallel {
    private Parallel() {}

    private static final int THREADS = Integer.getInteger("sparkj.threads", Runtime.getRuntime().availableProcessors());
    /** Numbers the workers' names (a worker's pool index is not assigned yet when the factory names it). */
    private static final java.util.concurrent.atomic.AtomicInteger NAMED = new java.util.concurrent.atomic.AtomicInteger();
    private static final ForkJoinPool POOL = THREADS <= 1 ? null : new ForkJoinPool(THREADS, pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("sparkj-worker-" + NAMED.getAndIncrement());
        t.setDaemon(true);
        return t;
    }, null, false);

    /** Number of worker threads. */
    public static int threads() { return THREADS; }

    /** A body over the half-open range {@code [lo, hi)}. */
    @FunctionalInterface
    public interface Range { void run(int lo, int hi); }

    /**
     * Runs {@code body} over {@code [0, n)} cut into chunks of at least {@code grain} items, in parallel
     * when it pays. Chunk boundaries depend only on n, grain and the thread count.
     */
    public static void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS * 4, Math.max(1, n / Math.max(1, grain)));
        if (POOL == null || chunks <= 1) {
            body.run(0, n);
            return;
        }
        final int nChunks = chunks;
        RecursiveAction[] tasks = new RecursiveAction[nChunks];
        for (int c = 0; c < nChunks; c++) {
            final int lo = (int) ((long) n * c / nChunks), hi = (int) ((long) n * (c + 1) / nChunks);
            tasks[c] = new RecursiveAction() {
                @Override protected void compute() { body.run(lo, hi); }
            };
        }
        if (ForkJoinTask.getPool() == POOL) {
            ForkJoinTask.invokeAll(tasks);
        } else {
            POOL.invoke(new RecursiveAction() {
                @Override protected void compute() { invokeAll(tasks); }
            });
        }
    }

    /** Runs {@code body(i)} for each of {@code n} independent tasks, one task per index. */
    public static void forEach(int n, java.util.function.IntConsumer body) {
        forRange(n, 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) body.accept(i);
        });
    }
}
