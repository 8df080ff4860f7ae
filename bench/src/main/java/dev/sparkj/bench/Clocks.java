package dev.sparkj.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/** Process CPU time and the system load average, for benchmarks that print both beside wall time. */
final class Clocks {
    private Clocks() {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU time of every live thread of the process, in nanoseconds (the pool's workers live on). */
    static long cpuNanos() {
        long sum = 0;
        for (long id : THREADS.getAllThreadIds()) sum += Math.max(0, THREADS.getThreadCpuTime(id));
        return sum;
    }

    /** The one-minute system load average. */
    static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
