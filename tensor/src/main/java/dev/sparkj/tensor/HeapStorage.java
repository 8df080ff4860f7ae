package dev.sparkj.tensor;

/**
 * Storage on the Java heap: a {@code float[]} (F32), {@code double[]} (F64), {@code long[]} (I64)
 * or {@code byte[]} (U8 and BOOL; BOOL holds 0 or 1).
 */
public final class HeapStorage extends Storage {
    private final DType dtype;
    private Object array;          // null once recycled
    private final int length;
    private boolean recyclable, forwardBorn;

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
        else if (zero) java.util.Arrays.fill(a, 0f);
        else if (Recycler.poisoned()) java.util.Arrays.fill(a, Float.NaN);
        HeapStorage s = new HeapStorage(DType.F32, a, n);
        s.recyclable = true;
        s.forwardBorn = Recycler.inForward();
        return s;
    }

    @Override public boolean recyclable() { return recyclable; }

    @Override
    public void pin() {
        if (recyclable && uses() > 0) Recycler.uncounted(length);
        recyclable = false;
    }

    @Override protected void counted() { Recycler.counted(length); }

    @Override
    protected void recycle() {
        Recycler.uncounted(length);
        Recycler.give((float[]) array, forwardBorn);
        array = null;
        recyclable = false;
    }

    private Object array() {
        Object a = array;
        if (a == null) throw new IllegalStateException("this tensor's memory was reclaimed: it was computed inside a Recycler scope "
                + "and saved for backward, which has used it; copy it before backward to read it afterwards");
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
