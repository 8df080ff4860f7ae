package dev.sparkj.tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Reuses the large float arrays of a training step: activations saved for backward and the gradients
 * that flow through it, which would otherwise be garbage the moment backward has used them.
 *
 * <p>Why: a SparK ResNet-50 step at batch 16 allocates about 6.9 GB of arrays, most of them activation
 * sized. The JVM clears each new array on the allocating thread, and the large ones ("humongous" objects,
 * each in its own run of heap regions) fragment the heap until the collector compacts it in a
 * single-threaded full collection. The step's shapes repeat exactly from one step to the next, so an
 * array of the same length is almost always asked for again shortly after one dies.
 *
 * <p>How: inside a {@link Scope} (one per forward and backward, opened by the trainer on its own thread),
 * every float storage of at least {@link #MIN_FLOATS} elements that this thread allocates is marked
 * recyclable. The autograd engine counts the references it knows of (a node that saved the storage for
 * backward, a gradient the engine holds); when the count drops to zero the storage gives its array back
 * here and forgets it, and the next allocation of exactly that length takes it instead of a new array
 * (cleared, as every new storage is).
 *
 * <p>What is kept idle is bounded so that the heap's peak does not grow (session 15 ran out of memory
 * before these rules): per length, no more than the forward pass had alive until backward (the most the
 * next forward pass can take); when backward must allocate afresh, idle arrays, smallest first, go to the
 * collector until idle plus counted arrays are back within what the forward pass left (the largest are
 * the hardest for the JVM to place again); at backward's start, whatever the forward pass did not take (but for
 * the arrays that evicted storages, below, will be recomputed into).
 *
 * <p>Eviction goes further for tensors that can be recomputed cheaply: a BatchNorm output is a function of the
 * input its node saves anyway ({@link HeapStorage#recomputableFrom}). Once the forward pass's last reader of such a
 * tensor has run (the convolution after it, which saves it for its weight gradient), the layer evicts it
 * ({@link Storage#evict}): its array goes back here at once, and the convolution's backward reads it recomputed,
 * bit for bit, into an array kept idle for it. That takes about a quarter of the activations a SparK ResNet-50
 * step keeps for backward out of the forward pass's peak. Intermediates no node saved can be released the same way
 * ({@link Storage#release}) by the layer that made them.
 *
 * <p>The contract for code that opens a scope: a tensor computed inside it and saved for backward is
 * reclaimed as soon as backward has used it. Reading such a tensor afterwards fails with a clear error
 * (its storage no longer has an array), it never sees another tensor's values. Copy what you need to keep
 * before backward. Parameters and module buffers are never reclaimed. A seed tensor given to backward is consumed
 * like any gradient. Forward and backward run on the thread that opened the scope (the reference counts are not
 * synchronized); kernels may use worker threads, whose own allocations are simply not recycled.
 */
public final class Recycler {
    private Recycler() {}

    /** Smaller storages are not recycled: 256 KiB and up, the arrays that dominate a step's allocation. */
    public static final int MIN_FLOATS = 1 << 16;

    private static volatile int minFloats = MIN_FLOATS;
    private static volatile boolean poison;

    /** The smallest storage recycled now: {@link #MIN_FLOATS} unless a test lowered it. */
    static int minFloats() { return minFloats; }

    /** Whether reused arrays for outputs declared fully overwritten are filled with NaN (a test's setting). */
    static boolean poisoned() { return poison; }

    /**
     * For tests: recycle storages from {@code minFloats} elements (so that small models exercise the recycler),
     * and fill a reused array that an op declared it will fully overwrite with NaN, so that an op which does not
     * in fact write every element shows up in its results. {@code reset()} restores the defaults.
     */
    public static void testing(int minFloats, boolean poison) {
        Recycler.minFloats = minFloats;
        Recycler.poison = poison;
    }

    /** Restores {@link #testing}'s defaults, drops the idle arrays and forgets what earlier steps asked for. */
    public static synchronized void reset() {
        testing(MIN_FLOATS, false);
        clear();
        EVICTED_HELD.clear();
        returned = new HashMap<>();
        lastReturned = new HashMap<>();
    }

    /** {@code -Dsparkj.recycle=false} turns recycling off: scopes open and close, and allocate as outside one. */
    public static final boolean ENABLED = !"false".equals(System.getProperty("sparkj.recycle"));

    /** {@code -Dsparkj.recycle.trace=true} prints every fresh allocation of 16 MiB or more inside a scope (which arrays missed). */
    private static final boolean TRACE = Boolean.getBoolean("sparkj.recycle.trace");
    private static volatile Thread owner;
    private static boolean backward;
    /** Idle arrays, oldest first. A few hundred at most, so plain scans. */
    private static final ArrayList<float[]> IDLE = new ArrayList<>();
    private static long idleFloats, maxIdleFloats;
    // floats reused and floats allocated fresh, in forward [0] and backward [1], since the last statistics() call
    private static final long[] reusedFloats = new long[2], freshFloats = new long[2];
    // floats of storages evicted after their last forward reader, and recomputed when read again
    private static long evictedFloats, recomputedFloats;
    // floats of recyclable storages the engine counts references to (saved or held), now and when backward started
    private static long countedFloats, budgetFloats;
    // per length: storages allocated in the forward pass whose arrays came back (recycled, evicted or released),
    // in this scope and in the last
    private static Map<Integer, int[]> returned = new HashMap<>(), lastReturned = new HashMap<>();

    /** Opens the scope on this thread; close it when backward is done. Scopes do not nest. */
    public static Scope open() {
        synchronized (Recycler.class) {
            if (owner != null)
                throw new IllegalStateException("a Recycler scope is already open on thread " + owner.getName()
                        + "; open one per training step and close it before the next");
            if (ENABLED) owner = Thread.currentThread();
        }
        return new Scope();
    }

    /** Whether the calling thread is inside an open scope. */
    public static boolean active() { return owner == Thread.currentThread(); }

    /** Whether an allocation now is part of a forward pass (a scope is open and its backward has not started). */
    static synchronized boolean inForward() { return !backward; }

    /**
     * An idle array of exactly {@code n} floats (unspecified contents), the most recently handed back (the likeliest
     * to be in cache still), or null.
     */
    static synchronized float[] take(int n) {
        for (int i = IDLE.size() - 1; i >= 0; i--) {
            if (IDLE.get(i).length == n) {
                idleFloats -= n;
                reusedFloats[backward ? 1 : 0] += n;
                return IDLE.remove(i);
            }
        }
        // a fresh array in backward must not lift idle plus counted arrays above what the forward pass left: idle
        // arrays go to the collector to make room, smallest first (the largest are the hardest to place again)
        freshFloats[backward ? 1 : 0] += n;
        if (TRACE && n >= (1 << 22))
            System.err.printf(java.util.Locale.ROOT, "recycler: fresh %d floats in %s (idle %.1f MB, counted %.1f MB, budget %.1f MB)%n",
                    n, backward ? "backward" : "forward", idleFloats * 4e-6, countedFloats * 4e-6, budgetFloats * 4e-6);
        while (backward && !IDLE.isEmpty() && idleFloats + countedFloats + n > budgetFloats) {
            int smallest = 0;
            for (int i = 1; i < IDLE.size(); i++) if (IDLE.get(i).length < IDLE.get(smallest).length) smallest = i;
            idleFloats -= IDLE.remove(smallest).length;
        }
        return null;
    }

    /** Hands back the array of a recycled storage; {@code forwardBorn}: that storage was allocated in the forward pass. */
    static synchronized void give(float[] a, boolean forwardBorn) {
        int n = a.length;
        if (forwardBorn) returned.computeIfAbsent(n, k -> new int[1])[0]++;
        if (idleCount(n) >= keep(n)) return; // more than a forward pass holds: the collector's
        IDLE.add(a);
        idleFloats += n;
        maxIdleFloats = Math.max(maxIdleFloats, idleFloats);
    }

    private static int idleCount(int n) {
        int c = 0;
        for (float[] a : IDLE) if (a.length == n) c++;
        return c;
    }

    /**
     * Idle arrays of length {@code n} worth keeping: as many as the forward pass had alive until backward (in the
     * last step, or in this one so far), the most the next forward pass can take.
     */
    private static int keep(int n) {
        int[] last = lastReturned.get(n), now = returned.get(n);
        return Math.max(last == null ? 0 : last[0], now == null ? 0 : now[0]);
    }

    /**
     * Called by the autograd engine when backward starts inside a scope: the idle arrays the forward pass did not
     * take are left to the collector, so they are not live heap beside the backward pass's gradients; except, per
     * length, as many as there are evicted storages still referenced, which backward will recompute into arrays of
     * that length.
     */
    public static synchronized void backwardStarts() {
        if (owner != Thread.currentThread()) return;
        backward = true;
        Map<Integer, Integer> room = new HashMap<>();
        EVICTED_HELD.forEach((n, c) -> room.put(n, c[0]));
        for (int i = IDLE.size() - 1; i >= 0; i--) {
            int n = IDLE.get(i).length;
            if (room.getOrDefault(n, 0) > 0) room.merge(n, -1, Integer::sum);
            else {
                IDLE.remove(i);
                idleFloats -= n;
            }
        }
        budgetFloats = countedFloats + idleFloats;
    }

    // per length: evicted storages that are still referenced (a node will read them, and they will be recomputed)
    private static final Map<Integer, int[]> EVICTED_HELD = new HashMap<>();

    /** An evicted storage of {@code n} floats became referenced ({@code +1}) or stopped being evicted or referenced ({@code -1}). */
    static synchronized void evictedHeld(int n, int change) {
        int[] c = EVICTED_HELD.computeIfAbsent(n, k -> new int[1]);
        c[0] = Math.max(0, c[0] + change);
    }

    /** A recyclable storage of {@code n} floats got its first counted reference. */
    static synchronized void counted(int n) { countedFloats += n; }

    /** A counted storage of {@code n} floats was recycled or pinned. */
    static synchronized void uncounted(int n) { countedFloats = Math.max(0, countedFloats - n); }

    /** Bytes of idle arrays held now. */
    public static synchronized long idleBytes() { return idleFloats * Float.BYTES; }

    /** The most bytes of idle arrays held at once since the last call (then restarts from the current amount). */
    public static synchronized long takeMaxIdleBytes() {
        long m = maxIdleFloats * Float.BYTES;
        maxIdleFloats = idleFloats;
        return m;
    }

    /** A storage of {@code n} floats gave its array back early ({@link Storage#evict}). */
    static synchronized void evicted(int n) { evictedFloats += n; }

    /** An evicted storage of {@code n} floats was read again and recomputed. */
    static synchronized void recomputed(int n) { recomputedFloats += n; }

    /**
     * Gigabytes of arrays since the last call: {forward reused, forward fresh, backward reused, backward fresh}
     * inside scopes, then {evicted, recomputed} ({@link Storage#evict}); then starts counting again.
     */
    public static synchronized double[] statistics() {
        double[] r = {reusedFloats[0] * 4e-9, freshFloats[0] * 4e-9, reusedFloats[1] * 4e-9, freshFloats[1] * 4e-9,
                evictedFloats * 4e-9, recomputedFloats * 4e-9};
        java.util.Arrays.fill(reusedFloats, 0);
        java.util.Arrays.fill(freshFloats, 0);
        evictedFloats = recomputedFloats = 0;
        return r;
    }

    /** Drops every idle array (for tests, and for a caller that is done training). */
    public static synchronized void clear() {
        IDLE.clear();
        idleFloats = 0;
    }

    private static synchronized void closeScope() {
        // the next forward pass takes what this one held until backward, at most: the oldest beyond that of each
        // length go to the collector
        Map<Integer, Integer> surplus = new HashMap<>();
        for (float[] a : IDLE) surplus.merge(a.length, 1, Integer::sum);
        surplus.replaceAll((n, have) -> have - (returned.containsKey(n) ? returned.get(n)[0] : 0));
        for (int i = 0; i < IDLE.size(); ) {
            int n = IDLE.get(i).length;
            if (surplus.get(n) > 0) {
                surplus.merge(n, -1, Integer::sum);
                IDLE.remove(i);
                idleFloats -= n;
            } else i++;
        }
        lastReturned = returned;
        returned = new HashMap<>();
        countedFloats = 0;
        EVICTED_HELD.clear();
        backward = false;
        owner = null;
    }

    /** One training step's forward and backward; see the class comment for what it promises. */
    public static final class Scope implements AutoCloseable {
        private boolean closed;

        private Scope() {}

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            closeScope();
        }
    }
}
