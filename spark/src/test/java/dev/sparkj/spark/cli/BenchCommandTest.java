package dev.sparkj.spark.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    private static volatile float[] sink;

    /** The per-step allocation figure counts every thread's heap allocations, a pool worker's as much as the caller's. */
    @Test
    void heapAllocatedBytesCountsAllThreads() throws InterruptedException {
        long before = BenchCommand.heapAllocatedBytes();
        assertTrue(before >= 0, "the JVM reports heap allocation: " + before);
        sink = new float[16 << 20]; // 64 MiB on this thread
        Thread worker = new Thread(() -> sink = new float[8 << 20]); // 32 MiB on another, which then ends
        worker.start();
        worker.join();
        long grown = BenchCommand.heapAllocatedBytes() - before;
        assertTrue(grown >= (96L << 20), "counted " + grown + " bytes for 96 MiB of arrays");
        assertTrue(grown < (160L << 20), "counted " + grown + " bytes for 96 MiB of arrays (and a little else)");
    }

    private static volatile double spun;

    /** The cores-busy figure counts the CPU time of every thread: two threads that each burn 200 ms add at least 400 ms. */
    @Test
    void processCpuNanosCountsAllThreads() throws InterruptedException {
        long before = BenchCommand.processCpuNanos();
        assertTrue(before >= 0, "the JVM reports process CPU time: " + before);
        Thread other = new Thread(BenchCommandTest::burn200ms);
        other.start();
        burn200ms();
        other.join();
        long grown = BenchCommand.processCpuNanos() - before;
        assertTrue(grown >= 400_000_000L, "counted " + grown + " ns for two threads' 200 ms each");
    }

    /** Computes until this thread has used 200 ms of CPU (by its own clock, so a busy machine only makes it take longer). */
    private static void burn200ms() {
        java.lang.management.ThreadMXBean t = java.lang.management.ManagementFactory.getThreadMXBean();
        boolean own = t.isCurrentThreadCpuTimeSupported(); // else by the wall clock
        long start = own ? t.getCurrentThreadCpuTime() : System.nanoTime();
        double x = 0;
        while ((own ? t.getCurrentThreadCpuTime() : System.nanoTime()) - start < 200_000_000L) for (int i = 0; i < 10_000; i++) x += Math.sqrt(i + x);
        spun = x;
    }
}
