package dev.sparkj.tensor.io;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** An IDX header (big-endian dims) followed by {@code data}. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(b);
        }
        return bo.toByteArray();
    }

    /** Two 2x3 "images", like a tiny MNIST images file. */
    static final byte[] IMAGES = idx(0x08, new int[] {2, 2, 3}, new byte[] {0, 1, 2, 3, 4, 5, (byte) 250, (byte) 251, (byte) 252, (byte) 253, (byte) 254, (byte) 255});

    @Test
    void readsUnsignedBytesPlainAndGzipped() throws IOException {
        Path plain = dir.resolve("t10k-images-idx3-ubyte");
        Path gz = dir.resolve("t10k-images-idx3-ubyte.gz");
        Files.write(plain, IMAGES);
        Files.write(gz, gzip(IMAGES));
        for (Path p : new Path[] {plain, gz}) {
            Tensor t = IdxReader.read(p);
            assertEquals(DType.U8, t.dtype());
            assertArrayEquals(new int[] {2, 2, 3}, t.shape());
            assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, (byte) 250, (byte) 251, (byte) 252, (byte) 253, (byte) 254, (byte) 255}, t.toByteArray());
            assertEquals(255, t.get(1, 1, 2));
        }
    }

    @Test
    void readsLabelsAsOneDimension() throws IOException {
        Tensor labels = IdxReader.read(idx(0x08, new int[] {4}, new byte[] {7, 2, 1, 0}), "labels");
        assertArrayEquals(new int[] {4}, labels.shape());
        assertArrayEquals(new long[] {7, 2, 1, 0}, labels.toLongArray());
    }

    @Test
    void readsEveryTypeCodeBigEndian() throws IOException {
        Tensor i8 = IdxReader.read(idx(0x09, new int[] {3}, new byte[] {-128, 0, 127}), "i8");
        assertEquals(DType.I64, i8.dtype());
        assertArrayEquals(new long[] {-128, 0, 127}, i8.toLongArray());

        Tensor i16 = IdxReader.read(idx(0x0B, new int[] {2}, ByteBuffer.allocate(4).putShort((short) -32768).putShort((short) 258).array()), "i16");
        assertArrayEquals(new long[] {-32768, 258}, i16.toLongArray());

        Tensor i32 = IdxReader.read(idx(0x0C, new int[] {1, 2}, ByteBuffer.allocate(8).putInt(Integer.MIN_VALUE).putInt(65536 + 3).array()), "i32");
        assertEquals(DType.I64, i32.dtype());
        assertArrayEquals(new int[] {1, 2}, i32.shape());
        assertArrayEquals(new long[] {Integer.MIN_VALUE, 65539}, i32.toLongArray());

        Tensor f32 = IdxReader.read(gzip(idx(0x0D, new int[] {2}, ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-0.25f).array())), "f32.gz");
        assertEquals(DType.F32, f32.dtype());
        assertArrayEquals(new float[] {1.5f, -0.25f}, f32.toFloatArray());

        Tensor f64 = IdxReader.read(idx(0x0E, new int[] {1}, ByteBuffer.allocate(8).putDouble(Math.E).array()), "f64");
        assertEquals(DType.F64, f64.dtype());
        assertArrayEquals(new double[] {Math.E}, f64.toDoubleArray());

        Tensor scalar = IdxReader.read(idx(0x08, new int[0], new byte[] {42}), "0d");
        assertEquals(0, scalar.rank());
        assertEquals(42, scalar.item());
    }

    private static String error(byte[] b) {
        return assertThrows(TensorFileException.class, () -> IdxReader.read(b, "bad.idx")).getMessage();
    }

    private static void assertMessage(String msg, String... parts) {
        assertTrue(msg.startsWith("bad.idx: "), msg);
        for (String p : parts) assertTrue(msg.contains(p), "expected \"" + p + "\" in: " + msg);
    }

    @Test
    void rejectsBadMagicTypeAndSizes() throws IOException {
        assertMessage(error(new byte[] {0, 0}), "truncated IDX file: 2 bytes");
        assertMessage(error(new byte[] {1, 0, 8, 1, 0, 0, 0, 0}), "bad IDX magic 01 00 08 01");
        assertMessage(error(idx(0x0A, new int[] {1}, new byte[1])), "unknown IDX type code 0x0a");
        assertMessage(error(Arrays.copyOf(IMAGES, 10)), "truncated IDX header: 3 dimensions need 16 bytes, file has 10");
        assertMessage(error(Arrays.copyOf(IMAGES, IMAGES.length - 1)), "truncated IDX data: shape [2, 2, 3] needs 12 bytes, found 11");
        assertMessage(error(Arrays.copyOf(IMAGES, IMAGES.length + 2)), "size mismatch", "needs 12 bytes but 14 follow");
        assertMessage(error(idx(0x0D, new int[] {3}, new byte[8])), "shape [3] needs 12 bytes, found 8");
        assertMessage(error(idx(0x08, new int[] {-1}, new byte[0])), "dimension 0 is 4294967295, too large");
        byte[] gz = gzip(IMAGES);
        assertMessage(error(Arrays.copyOf(gz, gz.length - 12)), "damaged or truncated gzip");
    }
}
