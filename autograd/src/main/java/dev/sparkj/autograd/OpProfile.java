package dev.sparkj.autograd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.sparkj.tensor.cpu.FlopCounter;

/**
 * Where a training step's time goes, per op, when {@code -Dsparkj.profile=true} (off by default; then every
 * call here returns at once).
 *
 * <p>Forward: ops run one after another on the calling thread, and each differentiable op ends by recording
 * its node ({@link Node#record}), so the time since the previous record is charged to the op being recorded
 * (glue code between ops, such as shape bookkeeping, is charged to the op that follows it). Backward: the
 * {@link Engine} times each node's backward, and the summing of gradients that meet at a node separately
 * ("(gradient sum)"). Each op is also charged the matrix-product work ({@link FlopCounter}) done while it ran, so
 * the table shows how fast the GEMM-bound ops go. Call {@link #start()} before the region of interest and
 * {@link #report()} after it.
 */
public final class OpProfile {
    private OpProfile() {}

    /** Whether profiling is on ({@code -Dsparkj.profile=true}, or {@code =shapes}). */
    public static final boolean ON = "true".equals(System.getProperty("sparkj.profile"))
            || "shapes".equals(System.getProperty("sparkj.profile"));
    /**
     * With {@code -Dsparkj.profile=shapes} each row is one op at one shape (its first input's shape, then the
     * output's, or in backward the output gradient's): which layer of a model a cost comes from.
     */
    static final boolean SHAPES = "shapes".equals(System.getProperty("sparkj.profile"));

    private static final Map<String, long[]> FORWARD = new HashMap<>(), BACKWARD = new HashMap<>();
    private static long mark = System.nanoTime(), flopMark;

    /** Clears the tallies and starts the forward clock. */
    public static synchronized void start() {
        if (!ON) return;
        FORWARD.clear();
        BACKWARD.clear();
        mark = System.nanoTime();
        flopMark = FlopCounter.total();
    }

    /** Restarts the forward clock without charging the time since the last mark to any op (e.g. after backward). */
    public static synchronized void restartClock() {
        if (!ON) return;
        mark = System.nanoTime();
        flopMark = FlopCounter.total();
    }

    /**
     * Called by every recorded op with its first input's shape and its output's: returns at once (no lock) unless
     * profiling is on.
     */
    static void forwardDone(String op, int[] inShape, int[] outShape) {
        if (!ON) return;
        forwardDoneAs(SHAPES ? withShapes(op, inShape, outShape) : op);
    }

    /** "op [in] -> [out]". */
    static String withShapes(String op, int[] inShape, int[] outShape) {
        return op + " " + java.util.Arrays.toString(inShape) + "->" + java.util.Arrays.toString(outShape);
    }

    private static void forwardDoneAs(String op) {
        synchronized (OpProfile.class) {
            long now = System.nanoTime();
            add(FORWARD, op, now - mark, flops());
            mark = now;
        }
    }

    /** A backward function (or a gradient sum) took {@code nanos}; the GEMM work since the previous record is its. */
    static void backwardDone(String op, long nanos) {
        if (!ON) return;
        synchronized (OpProfile.class) {
            add(BACKWARD, op, nanos, flops());
        }
    }

    /** Width of the op column. */
    private static int width() { return SHAPES ? 72 : 36; }

    /** GEMM floating-point operations since the previous record. */
    private static long flops() {
        long now = FlopCounter.total(), f = now - flopMark;
        flopMark = now;
        return f;
    }

    private static void add(Map<String, long[]> m, String op, long nanos, long flops) {
        long[] v = m.computeIfAbsent(op, k -> new long[3]);
        v[0] += nanos;
        v[1]++;
        v[2] += flops;
    }

    /**
     * A table of forward and backward seconds per op, largest first, with shares of the profiled total, and the GEMM
     * work each op did (GFLOP) and its rate over the op's wall-clock time (GFLOP/s, all threads together).
     */
    public static synchronized String report() {
        if (!ON) return "";
        long fw = FORWARD.values().stream().mapToLong(v -> v[0]).sum(), bw = BACKWARD.values().stream().mapToLong(v -> v[0]).sum();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "op profile: forward %.3f s, backward %.3f s%n", fw / 1e9, bw / 1e9));
        sb.append(String.format(Locale.ROOT, "  %-9s %-" + width() + "s %10s %7s %8s %9s %8s%n", "pass", "op", "seconds", "share", "calls",
                "GFLOP", "GFLOP/s"));
        for (var pass : List.of(Map.entry("forward", FORWARD), Map.entry("backward", BACKWARD))) {
            List<Map.Entry<String, long[]>> rows = new ArrayList<>(pass.getValue().entrySet());
            rows.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
            for (var r : rows) {
                long[] v = r.getValue();
                String work = v[2] == 0 ? String.format(Locale.ROOT, " %9s %8s", "", "")
                        : String.format(Locale.ROOT, " %9.1f %8.1f", v[2] / 1e9, v[2] / (double) Math.max(1, v[0]));
                sb.append(String.format(Locale.ROOT, "  %-9s %-" + width() + "s %10.3f %6.1f%% %8d%s%n", pass.getKey(), r.getKey(),
                        v[0] / 1e9, 100.0 * v[0] / Math.max(1, fw + bw), v[1], work).stripTrailing()).append('\n');
            }
        }
        return sb.toString();
    }
}
