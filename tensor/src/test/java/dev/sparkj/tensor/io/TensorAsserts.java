package dev.sparkj.tensor.io;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Exact tensor comparisons for the io tests: same dtype, shape and every value bit for bit. */
final class TensorAsserts {
    private TensorAsserts() {}

    static void assertTensorEquals(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.dtype(), actual.dtype(), what + ": dtype");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertValues(expected, actual, what);
    }

    /** Same shape and values; dtypes may differ when {@code actual} is a widening of {@code expected}. */
    static void assertValues(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        switch (expected.dtype()) {
            case F32 -> assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), what);
            case F64 -> assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), what);
            case I64 -> assertArrayEquals(expected.toLongArray(), actual.toLongArray(), what);
            case U8, BOOL -> assertArrayEquals(expected.toByteArray(), actual.toByteArray(), what);
        }
    }

    static Tensor bools(int[] shape, int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) values[i];
        return Tensor.ofBytes(b, DType.BOOL, shape);
    }

    static Tensor u8(int[] shape, int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) values[i];
        return Tensor.ofBytes(b, DType.U8, shape);
    }
}
