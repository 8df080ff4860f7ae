package dev.sparkj.autograd;

/**
 * A scope in which ops record no graph (evaluation, optimizer updates, finite differences).
 * Created by {@link #enter()} and ended by {@link #close()}, best in try-with-resources:
 * <pre>{@code try (NoGrad ignored = NoGrad.enter()) { y = model.forward(x); }}</pre>
 * The flag is per thread; scopes nest and each restores the state it found.
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    private final boolean previous;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private NoGrad() {
        boolean[] flag = ENABLED.get();
        previous = flag[0];
        flag[0] = false;
    }

    /** Starts a scope without graph recording on the current thread. */
    public static NoGrad enter() { return new NoGrad(); }

    /** Whether ops on the current thread record a graph. */
    public static boolean isGradEnabled() { return ENABLED.get()[0]; }

    /** Restores the recording state found at {@link #enter()}; a second close does nothing. */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) throw new IllegalStateException("NoGrad scope closed on another thread than it was entered on");
        closed = true;
        ENABLED.get()[0] = previous;
    }
}
