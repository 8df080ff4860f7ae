package dev.sparkj.tensor;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Storage on the Java heap: a {@code float[]} (F32), {@code double[]} (F64), {@code long[]} (I64)
 * or {@code byte[]} (U8 and BOOL; BOOL holds 0 or 1).
 */
public final class HeapStorage extends Storage {
    private final DType dtype;
    private Object array;          // null once recycled, or while evicted (then recompute is set)
    private final int length;
    private boolean recyclable, forwardBorn;
    private Supplier<Tensor> recompute;   // rebuilds the contents of an evicted storage (recomputableFrom)
    private Tensor recomputeView;         // the tensor it must rebuild: shape, strides and offset to check

    private HeapStorage(DType dtype, Object array, int length) {
        this.dtype = dtype;
        this.array = array;
        this.length = length;
    }

    /** A zero-filled block of {@code n} elements. */
    public static HeapStorage allocate(DType dtype, int n) { return allocate(dtype, n, true); }

    /**
     * A block of {@code n} elements whose contents are unspecified, for an output about to be fully overwritten:
     * inside a {@link Recycler} scope an array handed back keeps its old values instead of being cleared.
     */
    public static HeapStorage allocateUninitialized(DType dtype, int n) { return allocate(dtype, n, false); }

    private static HeapStorage allocate(DType dtype, int n, boolean zero) {
        if (n < 0) throw new IllegalArgumentException("negative storage length " + n);
        return switch (dtype) {
            case F32 -> n >= Recycler.minFloats() && Recycler.active() ? recyclableF32(n, zero) : new HeapStorage(dtype, new float[n], n);
            case F64 -> new HeapStorage(dtype, new double[n], n);
            case I64 -> new HeapStorage(dtype, new long[n], n);
            case U8, BOOL -> new HeapStorage(dtype, new byte[n], n);
        };
    }

    /** An F32 block inside a {@link Recycler} scope: an array handed back of this length if there is one. */
    private static HeapStorage recyclableF32(int n, boolean zero) {
        float[] a = Recycler.take(n);
        if (a == null) a = new float[n];
        else if (zero) clear(a);
        else if (Recycler.poisoned()) Arrays.fill(a, Float.NaN);
        HeapStorage s = new HeapStorage(DType.F32, a, n);
        s.recyclable = true;
        s.forwardBorn = Recycler.inForward();
        return s;
    }

    /** Reused arrays from this many floats (4 MiB) are cleared by all threads. */
    private static final int PARALLEL_CLEAR = 1 << 20;

    /**
     * Clears a reused array. A SparK ResNet-50 step clears about 2.3 GB of them (convolution and matmul outputs);
     * on one core memset ran at 7-8 GB/s here, on both 13-15 GB/s, and the other thread would only wait meanwhile.
     */
    private static void clear(float[] a) {
        if (a.length < PARALLEL_CLEAR) Arrays.fill(a, 0f);
        else dev.sparkj.tensor.cpu.Parallel.forRange(a.length, PARALLEL_CLEAR / 4, (lo, hi) -> Arrays.fill(a, lo, hi, 0f));
    }

    @Override public boolean recyclable() { return recyclable; }

    @Override
    public void pin() {
        if (evicted()) array();   // an evicted storage is recomputed before it is kept for good
        if (recyclable && uses() > 0) Recycler.uncounted(length);
        recyclable = false;
        recompute = null;
        recomputeView = null;
    }

    // the Recycler counts the floats of referenced recyclable storages, evicted ones too (they come back when read)
    @Override
    protected synchronized void counted() {
        Recycler.counted(length);
        if (evicted()) Recycler.evictedHeld(length, +1);
    }

    @Override
    protected synchronized void recycle() {
        Recycler.uncounted(length);
        if (array != null) Recycler.give((float[]) array, forwardBorn);
        else if (recompute != null) Recycler.evictedHeld(length, -1);
        array = null;
        recyclable = false;
        recompute = null;
        recomputeView = null;
    }

    /**
     * Declares that {@code view}, a tensor over this whole storage, can be recomputed by {@code recompute} (for
     * example a BatchNorm output from the input its node saved): {@link #evict} may then give the array back, and
     * the next read of the storage calls {@code recompute} and takes its result's array, which must have the same
     * length and lay out the elements as {@code view} does. The recomputation must give the same values bit for
     * bit (the same kernel on the same inputs). Only a recyclable storage (inside a {@link Recycler} scope) takes
     * this; for any other it does nothing.
     */
    public synchronized void recomputableFrom(Tensor view, Supplier<Tensor> recompute) {
        if (!recyclable || dtype != DType.F32) return;
        if (view.storage() != this || view.numel() != length)
            throw new IllegalArgumentException("recomputableFrom: the view must cover the whole storage of " + length + " elements");
        this.recompute = recompute;
        this.recomputeView = view;
    }

    @Override
    public synchronized boolean evict() {
        if (!recyclable || recompute == null || array == null) return false;
        Recycler.give((float[]) array, forwardBorn);
        Recycler.evicted(length);
        if (uses() > 0) Recycler.evictedHeld(length, +1);
        array = null;
        return true;
    }

    @Override
    public synchronized boolean release() {
        if (recompute != null) return evict();
        if (!recyclable || uses() > 0 || array == null) return false;
        Recycler.give((float[]) array, forwardBorn);
        array = null;
        recyclable = false;
        return true;
    }

    @Override
    public void materialize() { array(); }

    @Override
    public synchronized boolean evicted() { return array == null && recompute != null; }

    private Object array() {
        Object a = array;
        return a != null ? a : rematerialize();
    }

    /** The array of an evicted storage, recomputed; or the error for a storage whose memory is gone. */
    private synchronized Object rematerialize() {
        if (array != null) return array;
        if (recompute == null)
            throw new IllegalStateException("this tensor's memory was reclaimed: it was computed inside a Recycler scope "
                    + "and saved for backward, which has used it; copy it before backward to read it afterwards");
        Tensor t;
        try {
            t = recompute.get();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("this tensor's memory was given back inside a Recycler scope to be recomputed "
                    + "when read, and what it is recomputed from is gone (backward has used it); copy it before backward "
                    + "to read it afterwards", e);
        }
        Tensor v = recomputeView;
        if (!(t.storage() instanceof HeapStorage h) || h == this || h.dtype != DType.F32 || h.length != length
                || t.offset() != v.offset() || !Arrays.equals(t.shape(), v.shape()) || !Arrays.equals(t.strides(), v.strides()))
            throw new IllegalStateException("recomputing an evicted tensor of shape " + Arrays.toString(v.shape())
                    + " gave one of shape " + Arrays.toString(t.shape()) + " laid out differently");
        float[] a = h.surrender();
        array = a;
        forwardBorn = false; // the array now comes from wherever the recomputation took it
        Recycler.recomputed(length);
        if (recyclable && uses() > 0) Recycler.evictedHeld(length, -1);
        return a;
    }

    /** Hands this fresh, unreferenced storage's array to the storage that recomputed into it. */
    private synchronized float[] surrender() {
        if (uses() > 0) throw new IllegalStateException("a recomputed tensor was referenced before its array moved");
        float[] a = (float[]) array;
        array = null;
        recyclable = false;
        return a;
    }

    public static HeapStorage wrap(float[] a) { return new HeapStorage(DType.F32, a, a.length); }
    public static HeapStorage wrap(double[] a) { return new HeapStorage(DType.F64, a, a.length); }
    public static HeapStorage wrap(long[] a) { return new HeapStorage(DType.I64, a, a.length); }
    public static HeapStorage wrap(byte[] a, DType dtype) {
        if (dtype != DType.U8 && dtype != DType.BOOL) throw new IllegalArgumentException("byte[] holds U8 or BOOL, not " + dtype);
        return new HeapStorage(dtype, a, a.length);
    }

    @Override public DType dtype() { return dtype; }
    @Override public int length() { return length; }

    public float[] f32() { return (float[]) array(); }
    public double[] f64() { return (double[]) array(); }
    public long[] i64() { return (long[]) array(); }
    public byte[] u8() { return (byte[]) array(); }

    /** Element {@code i} as a double (slow path for reference code and tests). */
    public double get(int i) {
        Object array = array();
        return switch (dtype) {
            case F32 -> ((float[]) array)[i];
            case F64 -> ((double[]) array)[i];
            case I64 -> ((long[]) array)[i];
            case U8 -> ((byte[]) array)[i] & 0xff;
            case BOOL -> ((byte[]) array)[i] != 0 ? 1 : 0;
        };
    }

    /** Stores {@code v} at {@code i}, rounding to the element type (BOOL stores v != 0). */
    public void set(int i, double v) {
        Object array = array();
        switch (dtype) {
            case F32 -> ((float[]) array)[i] = (float) v;
            case F64 -> ((double[]) array)[i] = v;
            case I64 -> ((long[]) array)[i] = (long) v;
            case U8 -> ((byte[]) array)[i] = (byte) (int) v;
            case BOOL -> ((byte[]) array)[i] = (byte) (v != 0 ? 1 : 0);
        }
    }
}
