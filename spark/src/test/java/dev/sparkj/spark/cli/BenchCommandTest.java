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
}
