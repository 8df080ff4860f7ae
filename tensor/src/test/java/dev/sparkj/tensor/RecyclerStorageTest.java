package dev.sparkj.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recycler seen from the tensor module: which storages are recyclable, and an array's way back to an allocation. */
class RecyclerStorageTest {
    private static final int N = Recycler.MIN_FLOATS;

    @BeforeEach
    @AfterEach
    void reset() { Recycler.reset(); } // no idle arrays or step history from other tests

    /** A recyclable storage saved once and released: its array goes idle, and its storage can no longer be read. */
    private static float[] recycleOne(HeapStorage s) {
        float[] a = s.f32();
        s.use();
        s.unuse();
        IllegalStateException e = assertThrows(IllegalStateException.class, s::f32);
        assertTrue(e.getMessage().contains("reclaimed"), e.getMessage());
        return a;
    }

    @Test
    void storagesOutsideAScopeAreNotRecyclable() {
        HeapStorage s = HeapStorage.allocate(DType.F32, N);
        assertFalse(s.recyclable());
        s.use();
        s.unuse();
        assertEquals(N, s.f32().length, "a storage allocated outside a scope keeps its array");
    }

    @Test
    void aReleasedArrayIsReusedAndClearedOrLeftAsItIs() {
        try (Recycler.Scope scope = Recycler.open()) {
            HeapStorage s = HeapStorage.allocate(DType.F32, N);
            assertTrue(s.recyclable());
            assertFalse(HeapStorage.allocate(DType.F32, N - 1).recyclable(), "below MIN_FLOATS nothing is recycled");
            s.f32()[5] = 42f;
            float[] a = recycleOne(s);
            // this step's forward pass kept it until backward, so it stays idle for an allocation of that length
            HeapStorage t = HeapStorage.allocate(DType.F32, N);
            assertSame(a, t.f32(), "the same array, reused");
            assertEquals(0f, t.f32()[5], "cleared for a zero-filled allocation");
            t.f32()[7] = 7f;
            recycleOne(t);
            HeapStorage u = HeapStorage.allocateUninitialized(DType.F32, N);
            assertSame(a, u.f32(), "reused again");
            assertEquals(7f, u.f32()[7], "an allocation for an output about to be overwritten is not cleared");
        }
        assertFalse(HeapStorage.allocate(DType.F32, N).recyclable(), "the scope is closed");
    }

    @Test
    void pinnedStoragesKeepTheirArrays() {
        try (Recycler.Scope scope = Recycler.open()) {
            HeapStorage s = HeapStorage.allocate(DType.F32, N);
            s.use();
            s.pin();
            s.unuse();
            assertEquals(N, s.f32().length, "a pinned storage (a parameter, a leaf's gradient) is never recycled");
        }
    }
}
