package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The workspace pool's size classes: fresh arrays are rounded up so that requests a few hundred floats apart (a
 * Winograd layer's transformed weights and its weight-gradient partials, 21,233,664 and 21,234,240 floats) share one
 * array through the pool instead of each allocating its own.
 */
class WorkspaceTest {
    @Test
    void sizeClassesRoundUpByAtMostAnEighth() {
        assertEquals(16, Workspace.sizeClass(1));
        assertEquals(1000, Workspace.sizeClass(1000), "small requests are not rounded");
        assertEquals(65535, Workspace.sizeClass(65535));
        assertEquals(1 << 16, Workspace.sizeClass(1 << 16), "a power of two is its own class");
        assertEquals(1 << 24, Workspace.sizeClass(1 << 24));
        // granule = highest power of two / 8: 2^16 + 1 -> 2^16 + 2^13
        assertEquals((1 << 16) + (1 << 13), Workspace.sizeClass((1 << 16) + 1));
        assertEquals(23_068_672, Workspace.sizeClass(21_233_664)); // 11 granules of 2^21
        assertEquals(23_068_672, Workspace.sizeClass(21_234_240));
        assertEquals(14_680_064, Workspace.sizeClass(14_155_776)); // 14 granules of 2^20
        assertEquals(14_680_064, Workspace.sizeClass(14_156_352));
        for (int n : new int[] {65_537, 100_000, 3_000_001, 7_225_920, 123_456_789, Integer.MAX_VALUE / 2 + 7}) {
            int c = Workspace.sizeClass(n);
            assertTrue(c >= n && c <= n + n / 8 + 1, n + " -> " + c);
        }
        int huge = Integer.MAX_VALUE - 100; // rounding would overflow: the request itself
        assertEquals(huge, Workspace.sizeClass(huge));
    }

    @Test
    void nearbyRequestsShareOneArrayEitherWayRound() {
        int small = 1_048_576 + 3_000, large = small + 576; // one size class
        Workspace.clear(); // no idle array from another test may serve these requests
        float[] first;
        try (Workspace.Lease ws = Workspace.lease()) {
            first = ws.floats(large);
            assertEquals(Workspace.sizeClass(large), first.length);
        }
        try (Workspace.Lease ws = Workspace.lease()) {
            assertSame(first, ws.floats(small), "the smaller request takes the idle array");
        }
        try (Workspace.Lease ws = Workspace.lease()) {
            assertSame(first, ws.floats(large), "and the larger one takes it back");
        }
    }
}
