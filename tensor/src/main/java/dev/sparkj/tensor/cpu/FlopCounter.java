package dev.sparkj.tensor.cpu;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the floating-point operations the CPU kernels actually perform (GEMM: 2·m·n·k per call), so that
 * benchmarks can report achieved GFLOP/s from work done rather than from a model's nominal FLOPs.
 */
public final class FlopCounter {
    private FlopCounter() {}

    private static final LongAdder TOTAL = new LongAdder();

    /** Adds {@code n} operations. */
    public static void add(long n) { TOTAL.add(n); }

    /** Operations counted since start-up. */
    public static long total() { return TOTAL.sum(); }
}
