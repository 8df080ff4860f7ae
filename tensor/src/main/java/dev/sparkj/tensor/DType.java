package dev.sparkj.tensor;

/**
 * Element types a tensor can hold. F32 is the compute type; F64 serves the reference backend and
 * gradient checks; I64 holds labels and indices; U8 and BOOL hold images and masks.
 */
public enum DType {
    F32(4, true), F64(8, true), I64(8, false), U8(1, false), BOOL(1, false);

    private final int bytes;
    private final boolean floating;

    DType(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    /** Size of one element in bytes (as stored in files). */
    public int bytes() { return bytes; }

    /** Whether this is a floating-point type. */
    public boolean isFloating() { return floating; }

    /** The type two operands are computed in: the wider floating type, else the wider integer type. */
    public static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (a == F64 || b == F64) return F64;
        if (a == F32 || b == F32) return F32;
        if (a == I64 || b == I64) return I64;
        return U8;
    }
}
