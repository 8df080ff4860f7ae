package dev.sparkj.tensor.io;

import dev.sparkj.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes PyTorch checkpoints in {@code torch.save}'s zip format, loadable by {@code torch.load}
 * (including {@code weights_only=True}) and by {@link PthReader}.
 *
 * <p>A state dict is written as an {@code OrderedDict} of tensors in the map's order; each tensor is
 * stored contiguously in its own little-endian storage ({@code FloatStorage}, {@code DoubleStorage},
 * {@code LongStorage}, {@code ByteStorage}, {@code BoolStorage}). Entries are stored uncompressed and
 * 64-byte aligned, with a fixed timestamp, so the same input gives the same bytes. Files are
 * replaced atomically ({@link AtomicFiles}).
 */
public final class PthWriter {
    private PthWriter() {}

    private static final int ALIGN = 64;
    private static final LocalDateTime TIMESTAMP = LocalDateTime.of(2000, 1, 1, 0, 0);

    /** Atomically writes {@code stateDict} as an OrderedDict checkpoint; the archive folder is named {@code archive}. */
    public static void write(Path file, Map<String, Tensor> stateDict) throws IOException {
        AtomicFiles.write(file, out -> write(out, stateDict, true));
    }

    /**
     * Atomically writes a general checkpoint object: maps (string or integer keys) become dicts, lists
     * lists, {@code Object[]} tuples, plus strings, numbers, booleans, null and tensors, e.g. a wrapper
     * {@code {"module": stateDict, "epoch": 3}}.
     */
    public static void writeObject(Path file, Object checkpoint) throws IOException {
        AtomicFiles.write(file, out -> write(out, checkpoint, false));
    }

    /** The bytes of a state-dict checkpoint. */
    public static byte[] toBytes(Map<String, Tensor> stateDict) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try {
            write(bo, stateDict, true);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bo.toByteArray();
    }

    /** Writes a checkpoint zip to a stream (not closed). */
    public static void write(OutputStream out, Object checkpoint, boolean orderedDictRoot) throws IOException {
        PickleWriter pw = new PickleWriter();
        byte[] pkl = pw.pickle(checkpoint, orderedDictRoot);
        Counting counting = new Counting(out);
        ZipOutputStream zip = new ZipOutputStream(counting);
        String root = "archive/";
        put(zip, counting, root + "data.pkl", pkl);
        put(zip, counting, root + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        List<Tensor> storages = pw.storages();
        for (int i = 0; i < storages.size(); i++)
            put(zip, counting, root + "data/" + i, TensorBytes.encode(storages.get(i), ByteOrder.LITTLE_ENDIAN));
        put(zip, counting, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        zip.finish();
        zip.flush();
    }

    /** One stored (uncompressed) entry whose data starts at a multiple of 64 bytes, as torch writes them. */
    private static void put(ZipOutputStream zip, Counting c, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTimeLocal(TIMESTAMP);
        long headerEnd = c.count + 30 + name.getBytes(StandardCharsets.UTF_8).length + 4;
        int pad = (int) ((ALIGN - headerEnd % ALIGN) % ALIGN);
        byte[] extra = new byte[4 + pad]; // header id "FB" (as torch's writer), then the padding length
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >>> 8);
        e.setExtra(extra);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** Counts the bytes passed through, to place entry data at aligned offsets. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) { super(out); }

        @Override public void write(int b) throws IOException { out.write(b); count++; }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); count += len; }
    }
}
