package dev.sparkj.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

class ParallelTest {

    /** Every index runs exactly once. */
    private static void assertCoversOnce(AtomicIntegerArray hits) {
        for (int i = 0; i < hits.length(); i++) assertEquals(1, hits.get(i), "index " + i);
    }

    @Test
    void everyIndexRunsOnceInChunksThatDependOnlyOnTheSize() {
        int n = 1003;
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(n, 7, (lo, hi) -> {
            ranges.add(new int[]{lo, hi});
            for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
        });
        assertCoversOnce(hits);
        int chunks = Math.min(Parallel.threads() * 4, n / 7);
        assertEquals(chunks, ranges.size());
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        for (int c = 0; c < chunks; c++) {
            assertEquals((int) ((long) n * c / chunks), ranges.get(c)[0]);
            assertEquals((int) ((long) n * (c + 1) / chunks), ranges.get(c)[1]);
        }
    }

    @Test
    void itemsAreClaimedInSixteenChunksPerThreadAtMost() {
        for (int n : new int[]{5, 40, 1001}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
            Parallel.forItems(n, (lo, hi) -> {
                ranges.add(new int[]{lo, hi});
                for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
            });
            assertCoversOnce(hits);
            int chunks = Parallel.threads() == 1 ? 1 : Math.min(n, Parallel.threads() * 16);
            assertEquals(chunks, ranges.size(), "n = " + n);
            for (int[] r : ranges) assertTrue(r[1] - r[0] <= (n + chunks - 1) / chunks, "n = " + n + ": chunk " + r[0] + ".." + r[1]);
        }
    }

    @Test
    void aFailingChunkThrowsInTheCallerAndThePoolKeepsWorking() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(64, 1, (lo, hi) -> {
            if (lo == 0) throw new IllegalStateException("chunk 0 failed");
        }));
        assertEquals("chunk 0 failed", e.getMessage());
        AtomicIntegerArray hits = new AtomicIntegerArray(500);
        Parallel.forRange(500, 1, (lo, hi) -> { for (int i = lo; i < hi; i++) hits.incrementAndGet(i); });
        assertCoversOnce(hits);
    }

    @Test
    void nestedLoopsRunInsideTheirChunk() {
        int outer = 16, inner = 100;
        AtomicIntegerArray hits = new AtomicIntegerArray(outer * inner);
        Parallel.forEach(outer, o -> Parallel.forRange(inner, 1, (lo, hi) -> {
            for (int i = lo; i < hi; i++) hits.incrementAndGet(o * inner + i);
        }));
        assertCoversOnce(hits);
    }

    @Test
    void loopsFromSeveralThreadsAtOnceAllComplete() throws Exception {
        int threads = 4, n = 20_000;
        AtomicIntegerArray[] hits = new AtomicIntegerArray[threads];
        Thread[] ts = new Thread[threads];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads; t++) {
            hits[t] = new AtomicIntegerArray(n);
            AtomicIntegerArray h = hits[t];
            ts[t] = new Thread(() -> {
                try {
                    for (int rep = 0; rep < 50; rep++) Parallel.forRange(n, 64, (lo, hi) -> { for (int i = lo; i < hi; i++) h.incrementAndGet(i); });
                } catch (Throwable x) {
                    failure[0] = x;
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join(60_000);
        assertNull(failure[0]);
        for (AtomicIntegerArray h : hits)
            for (int i = 0; i < n; i++) assertEquals(50, h.get(i), "index " + i);
    }
}
