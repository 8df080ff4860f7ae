package dev.sparkj.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one shared worker pool of the CPU backend, sized to the cores (override with
 * {@code -Dsparkj.threads=N}), and deterministic range splitting on top of it: work is cut into
 * fixed chunks that do not depend on timing, so every reduction order is repeatable.
 *
 * <h2>How a parallel loop runs</h2>
 * The thread that calls {@link #forRange} works too: with N threads there are N - 1 dedicated workers
 * ({@code sparkj-worker-i}). A call publishes its chunks as one job; the caller and the workers claim chunks
 * from a shared counter until none is left, and the caller returns once every chunk has finished. A training
 * step makes thousands of such calls, many of a millisecond or two (elementwise ops, the two phases of
 * every GEMM block), so what happens between them matters: an idle worker first spins for
 * {@link #SPIN_NANOS} (the next call usually comes within microseconds) and only then parks, the
 * spin-then-sleep policy of OpenMP runtimes. The fork-join pool used before parked its workers at once, so
 * every loop began by waking them, while the calling thread only waited. Measured against it
 * (docs/benchmarks.md, session 5): SparK ResNet-50 steps a median 4 % faster over six interleaved pairs, the
 * quickstart (many short loops) about 10 %; the time lost inside loops is mostly load imbalance and the
 * JIT's and collector's threads taking a core, which no pool policy removes.
 *
 * <p>One job runs at a time. A call made while another is running (from inside a chunk, or from a
 * second thread such as a data loader) runs its chunks itself, in order: the same chunks, so the same
 * results, only without help.
 */
public final class Parallel {
    private Parallel() {}

    private static final int THREADS = Math.max(1, Integer.getInteger("sparkj.threads", Runtime.getRuntime().availableProcessors()));
    /**
     * How long an idle worker keeps looking for the next job before it parks (default 200 microseconds,
     * {@code -Dsparkj.parallel.spinMicros=N}; 0 parks at once).
     */
    static final long SPIN_NANOS = Long.getLong("sparkj.parallel.spinMicros", 200) * 1000;

    /** Most chunks per thread of {@link #forRange} (fewer when the grain asks for it). */
    private static final int CHUNKS_PER_THREAD = 4;
    /** Most chunks per thread of {@link #forItems}. */
    private static final int ITEM_CHUNKS_PER_THREAD = 16;
    /** Number of threads that run a parallel loop (the caller and the workers). */
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
        run(n, Math.min(THREADS * CHUNKS_PER_THREAD, Math.max(1, n / Math.max(1, grain))), body);
    }

    /**
     * Runs {@code body} over {@code [0, n)} where every item is a coarse piece of work (a block of convolution
     * tiles, a GEMM task, a chunk of a fixed split): the items are claimed nearly one at a time (at most
     * {@link #ITEM_CHUNKS_PER_THREAD} chunks per thread), so the thread that runs out first waits for at most about
     * one item. {@link #forRange}'s four chunks per thread could leave it idle for a quarter of its share.
     */
    public static void forItems(int n, Range body) {
        if (n <= 0) return;
        run(n, Math.min(n, THREADS * ITEM_CHUNKS_PER_THREAD), body);
    }

    private static void run(int n, int chunks, Range body) {
        if (THREADS == 1 || chunks <= 1) {
            body.run(0, n);
            return;
        }
        Job job = new Job(n, chunks, body);
        if (BUSY.isHeldByCurrentThread() || !BUSY.tryLock()) { // a job is running (this call is nested in it, or another thread's): alone
            job.work();
            job.rethrow();
            return;
        }
        try {
            current = job;
            for (Worker w : WORKERS) LockSupport.unpark(w);
            job.work();
            job.awaitDone();
        } finally {
            current = null;
            BUSY.unlock();
        }
        job.rethrow();
    }

    /** Runs {@code body(i)} for each of {@code n} independent tasks, one task per index ({@link #forItems}). */
    public static void forEach(int n, java.util.function.IntConsumer body) {
        forItems(n, (lo, hi) -> {
            for (int i = lo; i < hi; i++) body.accept(i);
        });
    }

    // ------------------------------------------------------------------ the pool

    private static final ReentrantLock BUSY = new ReentrantLock();
    /** The job on offer, or null. Workers read it; only the lock holder writes it. */
    private static volatile Job current;
    private static final Worker[] WORKERS = new Worker[THREADS - 1];

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker("sparkj-worker-" + i);
            WORKERS[i].start();
        }
    }

    /** One parallel loop: its chunks, claimed through {@code next}, counted down in {@code left}. */
    private static final class Job {
        final int n, chunks;
        final Range body;
        final AtomicInteger next = new AtomicInteger(), left;
        final Thread caller = Thread.currentThread();
        volatile Throwable failure;

        Job(int n, int chunks, Range body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
            this.left = new AtomicInteger(chunks);
        }

        /** Claims and runs chunks until none is left unclaimed. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    if (failure == null) body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    if (left.decrementAndGet() == 0 && Thread.currentThread() != caller) LockSupport.unpark(caller);
                }
            }
        }

        boolean claimable() { return next.get() < chunks; }

        /**
         * Waits for every chunk: spinning at first (the caller has just run chunks itself, so the others are
         * usually about done), then parked until the worker that finishes the last chunk unparks it.
         */
        void awaitDone() {
            long t0 = System.nanoTime();
            while (left.get() > 0) {
                if (System.nanoTime() - t0 < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new RuntimeException(t);
        }
    }

    private static final class Worker extends Thread {
        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (true) {
                Job job = current;
                if (job != null && job.claimable()) {
                    job.work();
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this); // forRange unparks every worker when it offers a job
                    Thread.interrupted();   // nothing interrupts a worker on purpose; a stray interrupt must not turn parking into spinning
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
