package dev.sparkj.tensor.io;

import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed (detected by the
 * gzip magic {@code 1f 8b}, whatever the file is called).
 *
 * <p>Layout: two zero bytes, a type code, the number of dimensions, each dimension as a big-endian
 * 32-bit integer, then the big-endian data. Type codes: {@code 0x08} unsigned byte (loads as U8),
 * {@code 0x09} signed byte, {@code 0x0B} short and {@code 0x0C} int (load as I64), {@code 0x0D}
 * float (F32), {@code 0x0E} double (F64). The data must fill the shape exactly.
 */
public final class IdxReader {
    private IdxReader() {}

    /** Reads an IDX file (gzip or plain). */
    public static Tensor read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads an IDX stream (gzip or plain; not closed); {@code name} is used in error messages. */
    public static Tensor read(InputStream in, String name) throws IOException {
        return read(in.readAllBytes(), name);
    }

    /** Reads IDX bytes (gzip or plain); {@code name} is used in error messages. */
    public static Tensor read(byte[] bytes, String name) throws IOException {
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                bytes = gz.readAllBytes();
            } catch (IOException e) {
                throw new TensorFileException(name, "damaged or truncated gzip data: " + e.getMessage(), e);
            }
        }
        return parse(bytes, name);
    }

    private static Tensor parse(byte[] b, String name) throws TensorFileException {
        if (b.length < 4) throw new TensorFileException(name, "truncated IDX file: " + b.length + " bytes, the magic number needs 4");
        if (b[0] != 0 || b[1] != 0)
            throw new TensorFileException(name, String.format("bad IDX magic %02x %02x %02x %02x: the first two bytes must be zero",
                    b[0], b[1], b[2], b[3]));
        ElementType type = switch (b[2] & 0xff) {
            case 0x08 -> ElementType.U8;
            case 0x09 -> ElementType.I8;
            case 0x0B -> ElementType.I16;
            case 0x0C -> ElementType.I32;
            case 0x0D -> ElementType.F32;
            case 0x0E -> ElementType.F64;
            default -> throw new TensorFileException(name, String.format("unknown IDX type code 0x%02x (expected 08, 09, 0B, 0C, 0D or 0E)", b[2]));
        };
        int rank = b[3] & 0xff;
        long headerLen = 4L + 4L * rank;
        if (b.length < headerLen)
            throw new TensorFileException(name, "truncated IDX header: " + rank + " dimensions need " + headerLen + " bytes, file has " + b.length);
        int[] shape = new int[rank];
        long numel = 1;
        for (int i = 0; i < rank; i++) {
            int at = 4 + 4 * i;
            long d = ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
            if (d > Integer.MAX_VALUE) throw new TensorFileException(name, "IDX dimension " + i + " is " + d + ", too large");
            shape[i] = (int) d;
            numel *= d;
            if (numel > Integer.MAX_VALUE) throw new TensorFileException(name, "IDX shape " + Arrays.toString(Arrays.copyOf(shape, i + 1)) + "... has too many elements");
        }
        long need = numel * type.bytes, have = b.length - headerLen;
        if (have < need)
            throw new TensorFileException(name, "truncated IDX data: shape " + Arrays.toString(shape) + " needs " + need + " bytes, found " + have);
        if (have > need)
            throw new TensorFileException(name, "IDX data size mismatch: shape " + Arrays.toString(shape) + " needs " + need
                    + " bytes but " + have + " follow the header");
        HeapStorage s = type.decode(MemorySegment.ofArray(b), headerLen, (int) numel, ByteOrder.BIG_ENDIAN);
        return new Tensor(s, shape, Shapes.contiguousStrides(shape), 0, Backends.defaultBackend());
    }
}
