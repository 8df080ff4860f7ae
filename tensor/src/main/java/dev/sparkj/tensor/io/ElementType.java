package dev.sparkj.tensor.io;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An element type as stored in a tensor file, with the {@link DType} it loads as: the five native
 * types load as themselves, F16 and BF16 widen to F32, and the narrower signed integers to I64.
 */
enum ElementType {
    F64(8, DType.F64), F32(4, DType.F32), F16(2, DType.F32), BF16(2, DType.F32),
    I64(8, DType.I64), I32(4, DType.I64), I16(2, DType.I64), I8(1, DType.I64),
    U8(1, DType.U8), BOOL(1, DType.BOOL);

    final int bytes;
    final DType target;

    ElementType(int bytes, DType target) {
        this.bytes = bytes;
        this.target = target;
    }

    /** The file type that stores a dtype without conversion. */
    static ElementType of(DType d) {
        return switch (d) {
            case F32 -> F32;
            case F64 -> F64;
            case I64 -> I64;
            case U8 -> U8;
            case BOOL -> BOOL;
        };
    }

    /**
     * Reads {@code count} elements starting at byte {@code at} of {@code src} into a fresh heap storage of
     * {@link #target}. BOOL bytes other than 0 read as 1.
     */
    HeapStorage decode(MemorySegment src, long at, int count, ByteOrder order) {
        HeapStorage out = HeapStorage.allocate(target, count);
        switch (this) {
            case F32 -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), at, out.f32(), 0, count);
            case F64 -> MemorySegment.copy(src, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order), at, out.f64(), 0, count);
            case I64 -> MemorySegment.copy(src, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), at, out.i64(), 0, count);
            case U8 -> MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at, out.u8(), 0, count);
            case BOOL -> {
                byte[] b = out.u8();
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, at, b, 0, count);
                for (int i = 0; i < count; i++) if (b[i] != 0) b[i] = 1;
            }
            case F16 -> {
                short[] h = new short[count];
                MemorySegment.copy(src, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), at, h, 0, count);
                float[] f = out.f32();
                for (int i = 0; i < count; i++) f[i] = Float.float16ToFloat(h[i]);
            }
            case BF16 -> {
                short[] h = new short[count];
                MemorySegment.copy(src, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), at, h, 0, count);
                float[] f = out.f32();
                for (int i = 0; i < count; i++) f[i] = Float.intBitsToFloat((h[i] & 0xffff) << 16);
            }
            case I32 -> {
                int[] v = new int[count];
                MemorySegment.copy(src, ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), at, v, 0, count);
                long[] l = out.i64();
                for (int i = 0; i < count; i++) l[i] = v[i];
            }
            case I16 -> {
                short[] v = new short[count];
                MemorySegment.copy(src, ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), at, v, 0, count);
                long[] l = out.i64();
                for (int i = 0; i < count; i++) l[i] = v[i];
            }
            case I8 -> {
                long[] l = out.i64();
                for (int i = 0; i < count; i++) l[i] = src.get(ValueLayout.JAVA_BYTE, at + i);
            }
        }
        return out;
    }
}
