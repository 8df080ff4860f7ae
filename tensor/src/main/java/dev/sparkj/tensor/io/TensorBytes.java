package dev.sparkj.tensor.io;

import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Encodes a tensor's values, in row-major order, as bytes in a file's byte order. Works on any view
 * (strided, offset, broadcast) by walking the strides itself, and on device tensors by copying to the CPU first.
 */
final class TensorBytes {
    private TensorBytes() {}

    /** Row-major bytes of {@code t} in its own dtype (BOOL as bytes 0 and 1). */
    static byte[] encode(Tensor t, ByteOrder order) {
        Tensor h = t.storage() instanceof HeapStorage ? t : t.to(Backends.cpu());
        HeapStorage s = (HeapStorage) h.storage();
        int n = h.numel();
        long nbytes = (long) n * h.dtype().bytes();
        if (nbytes > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("tensor too large to encode: " + t);
        byte[] out = new byte[(int) nbytes];
        MemorySegment dst = MemorySegment.ofArray(out);
        int[] shape = h.shape(), strides = h.strides();
        int rank = shape.length;
        int inner = rank == 0 ? 1 : shape[rank - 1];
        int innerStride = rank == 0 ? 1 : strides[rank - 1];
        if (n == 0) return out;
        int[] idx = new int[Math.max(rank - 1, 0)];
        int src = h.offset();
        int dstElem = 0;
        while (true) {
            copyRun(s, src, innerStride, inner, dst, dstElem, order);
            dstElem += inner;
            // advance the outer multi-index (odometer), keeping src in step
            int d = rank - 2;
            while (d >= 0) {
                idx[d]++;
                src += strides[d];
                if (idx[d] < shape[d]) break;
                src -= strides[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) return out;
        }
    }

    /** Copies {@code len} elements {@code src, src+stride, ...} of {@code s} to element {@code at} of {@code dst}. */
    private static void copyRun(HeapStorage s, int src, int stride, int len, MemorySegment dst, int at, ByteOrder order) {
        switch (s.dtype()) {
            case F32 -> {
                ValueLayout.OfFloat l = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order);
                float[] a = s.f32();
                if (stride == 1) MemorySegment.copy(a, src, dst, l, 4L * at, len);
                else for (int i = 0; i < len; i++) dst.setAtIndex(l, at + i, a[src + i * stride]);
            }
            case F64 -> {
                ValueLayout.OfDouble l = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
                double[] a = s.f64();
                if (stride == 1) MemorySegment.copy(a, src, dst, l, 8L * at, len);
                else for (int i = 0; i < len; i++) dst.setAtIndex(l, at + i, a[src + i * stride]);
            }
            case I64 -> {
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
                long[] a = s.i64();
                if (stride == 1) MemorySegment.copy(a, src, dst, l, 8L * at, len);
                else for (int i = 0; i < len; i++) dst.setAtIndex(l, at + i, a[src + i * stride]);
            }
            case U8 -> {
                byte[] a = s.u8();
                for (int i = 0; i < len; i++) dst.set(ValueLayout.JAVA_BYTE, at + i, a[src + i * stride]);
            }
            case BOOL -> {
                byte[] a = s.u8();
                for (int i = 0; i < len; i++) dst.set(ValueLayout.JAVA_BYTE, at + i, (byte) (a[src + i * stride] != 0 ? 1 : 0));
            }
        }
    }
}
