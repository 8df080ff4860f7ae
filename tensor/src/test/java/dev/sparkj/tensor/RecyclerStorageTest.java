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

    /** {@code 2·src} over N floats, and src, values 0.5, 1.5, ... */
    private static Tensor source() {
        float[] v = new float[N];
        for (int i = 0; i < N; i++) v[i] = i + 0.5f;
        return Tensor.of(v, N);
    }

    /** y's storage, declared recomputable by {@code recompute}. */
    private static HeapStorage recomputable(Tensor y, java.util.function.Supplier<Tensor> recompute) {
        HeapStorage s = (HeapStorage) y.storage();
        s.recomputableFrom(y, recompute);
        return s;
    }

    @Test
    void anEvictedStorageIsRecomputedWhenReadAndItsArrayServesOthersMeanwhile() {
        Tensor src = source();
        try (Recycler.Scope scope = Recycler.open()) {
            Recycler.statistics();
            Tensor y = src.mul(2.0);
            HeapStorage s = (HeapStorage) y.storage();
            assertTrue(s.recyclable());
            int[] calls = {0};
            s.recomputableFrom(y, () -> { calls[0]++; return src.mul(2.0); });
            s.use(); // a node saved it
            float[] first = s.f32();
            assertTrue(s.evict(), "a recomputable storage gives its array back");
            assertTrue(s.evicted());
            assertFalse(s.evict(), "evicted once");
            // the next allocation of that length takes the array and overwrites it
            Tensor other = Tensor.zeros(N);
            assertSame(first, ((HeapStorage) other.storage()).f32(), "the evicted array serves the next allocation");
            other.fill(-1);
            assertEquals(0, calls[0], "nothing recomputed before a read");
            float[] again = s.f32();
            assertEquals(1, calls[0], "the read recomputed it");
            assertFalse(s.evicted());
            for (int i = 0; i < N; i++) assertEquals(2 * (i + 0.5f), again[i], "element " + i);
            assertEquals(-1f, ((HeapStorage) other.storage()).f32()[3], "the other tensor kept its values");
            s.f32();
            assertEquals(1, calls[0], "read again without recomputing");
            double[] st = Recycler.statistics();
            assertEquals(N * 4e-9, st[4], 1e-12, "evicted");
            assertEquals(N * 4e-9, st[5], 1e-12, "recomputed");
            s.unuse(); // backward used it: now it is reclaimed for good
            IllegalStateException e = assertThrows(IllegalStateException.class, s::f32);
            assertTrue(e.getMessage().contains("reclaimed"), e.getMessage());
            assertFalse(s.evict());
        }
    }

    @Test
    void onlyRecomputableStoragesInsideAScopeAreEvicted() {
        Tensor src = source();
        Tensor outside = src.mul(2.0);
        ((HeapStorage) outside.storage()).recomputableFrom(outside, () -> src.mul(2.0));
        assertFalse(outside.storage().evict(), "outside a scope nothing is recyclable, so nothing is evicted");
        assertEquals(N, ((HeapStorage) outside.storage()).f32().length);
        assertFalse(src.storage().evict(), "a wrapped array is never evicted");
        try (Recycler.Scope scope = Recycler.open()) {
            Tensor y = src.mul(2.0);
            assertFalse(y.storage().evict(), "a recyclable storage without a way to recompute it keeps its array");
            assertEquals(N, ((HeapStorage) y.storage()).f32().length);
        }
    }

    @Test
    void aRecomputationThatCannotRunOrGivesAnotherLayoutFailsClearly() {
        Tensor src = source();
        try (Recycler.Scope scope = Recycler.open()) {
            HeapStorage s = recomputable(src.mul(2.0), () -> { throw new IllegalStateException("its input was freed"); });
            assertTrue(s.evict());
            IllegalStateException e = assertThrows(IllegalStateException.class, s::f32);
            assertTrue(e.getMessage().contains("recomputed") && e.getCause().getMessage().contains("freed"), e.getMessage());

            HeapStorage t = recomputable(src.mul(3.0).reshape(N / 2, 2), () -> src.mul(3.0)); // [N] instead of [N/2, 2]
            assertTrue(t.evict());
            e = assertThrows(IllegalStateException.class, t::f32);
            assertTrue(e.getMessage().contains("laid out differently"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.recomputableFrom(src, () -> src));
        }
    }

    @Test
    void backwardKeepsIdleArraysForTheStoragesItWillRecompute() {
        Tensor src = source();
        try (Recycler.Scope scope = Recycler.open()) {
            HeapStorage s = recomputable(src.mul(2.0), () -> src.mul(2.0));
            s.use();
            float[] a = s.f32();
            HeapStorage other = HeapStorage.allocate(DType.F32, 2 * N); // saved and released in the forward pass: idle
            recycleOne(other);
            assertTrue(s.evict());
            Recycler.statistics();
            Recycler.backwardStarts(); // no engine here: the scope is this thread's, so the call takes effect
            assertEquals(N * 4L, Recycler.idleBytes(), "the array of the length backward will recompute stays idle, the other goes");
            float[] again = s.f32();
            assertSame(a, again, "recomputed into the array kept for it");
            double[] st = Recycler.statistics();
            assertEquals(N * 4e-9, st[2], 1e-12, "reused in backward");
            assertEquals(0, st[3], 1e-12, "nothing fresh in backward");
            s.unuse();
        }
    }

    @Test
    void releasedIntermediatesGoBackUnlessANodeSavedThem() {
        Tensor src = source();
        try (Recycler.Scope scope = Recycler.open()) {
            Tensor sum = src.add(1.0);
            float[] a = ((HeapStorage) sum.storage()).f32();
            assertTrue(sum.storage().release(), "no node saved it: its array goes back");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ((HeapStorage) sum.storage()).f32());
            assertTrue(e.getMessage().contains("reclaimed"), e.getMessage());
            assertFalse(sum.storage().release(), "released once");
            assertSame(a, ((HeapStorage) Tensor.zeros(N).storage()).f32(), "the next allocation of that length takes it");

            Tensor saved = src.add(2.0);
            saved.storage().use();
            assertFalse(saved.storage().release(), "a node saved it: it stays until backward has used it");
            assertEquals(2.5f, ((HeapStorage) saved.storage()).f32()[0]);
            saved.storage().unuse();
        }
        assertFalse(src.add(1.0).storage().release(), "outside a scope nothing is released");
    }

    @Test
    void aLargeReusedArrayIsClearedEverywhere() {
        int n = (1 << 20) + 37; // cleared in parallel chunks, with a ragged end
        try (Recycler.Scope scope = Recycler.open()) {
            HeapStorage s = HeapStorage.allocate(DType.F32, n);
            java.util.Arrays.fill(s.f32(), 5f);
            float[] a = recycleOne(s);
            HeapStorage t = HeapStorage.allocate(DType.F32, n);
            assertSame(a, t.f32(), "reused");
            for (int i = 0; i < n; i++) if (t.f32()[i] != 0f) throw new AssertionError("element " + i + " not cleared: " + t.f32()[i]);
        }
    }
}
