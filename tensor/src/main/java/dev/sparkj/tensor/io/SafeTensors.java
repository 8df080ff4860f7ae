package dev.sparkj.tensor.io;

import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * mapping each name to {@code dtype}, {@code shape} and {@code data_offsets} (plus an optional
 * {@code __metadata__} map of strings), then the raw little-endian data.
 *
 * <p>Types: F32, F64, I64, U8 and BOOL are read and written as themselves. On read, F16 and BF16 are
 * also accepted and widened to F32, and I32, I16 and I8 are widened to I64 (so writing such a file
 * back stores the wider type). Any other dtype is an error.
 *
 * <p>Reading validates everything a damaged or hostile file can get wrong (truncation, a header
 * length beyond the file, bad JSON, unknown dtypes, negative dimensions, offsets out of range,
 * overlapping or not matching shape × element size) and fails with a {@link TensorFileException}
 * naming the file, the tensor and the problem. Writing sorts the names (as the reference tooling
 * does), stores any view contiguously, pads the header to 8 bytes with spaces, and replaces the
 * target file atomically ({@link AtomicFiles}).
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Largest header accepted (the reference implementation's limit). */
    static final long MAX_HEADER = 100_000_000;
    private static final String METADATA = "__metadata__";

    /** What a safetensors file holds: tensors in header order, and the free-form string metadata (possibly empty). */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    // ================================================================== reading

    /** Reads a whole file (memory-mapped while reading; the tensors are heap copies). */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            String name = file.toString();
            if (size < 8) throw truncatedLength(name, size);
            return parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena), name);
        }
    }

    /** Reads the tensors of a file, dropping its metadata. */
    public static Map<String, Tensor> load(Path file) throws IOException {
        return read(file).tensors();
    }

    /** Reads from bytes; {@code name} is used in error messages. */
    public static Contents read(byte[] bytes, String name) throws TensorFileException {
        if (bytes.length < 8) throw truncatedLength(name, bytes.length);
        return parse(MemorySegment.ofArray(bytes), name);
    }

    /** Reads a whole stream (not closed); {@code name} is used in error messages. */
    public static Contents read(InputStream in, String name) throws IOException {
        return read(in.readAllBytes(), name);
    }

    private static TensorFileException truncatedLength(String name, long size) {
        return new TensorFileException(name, "truncated safetensors file: " + size + " bytes, need at least 8 for the header length");
    }

    /** One tensor's header entry. */
    private record Entry(String key, ElementType type, int[] shape, long begin, long end) {}

    private static Contents parse(MemorySegment seg, String name) throws TensorFileException {
        long size = seg.byteSize();
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > size - 8)
            throw new TensorFileException(name, "header length " + Long.toUnsignedString(n) + " is larger than the file ("
                    + (size - 8) + " bytes follow the 8-byte length): truncated or not a safetensors file");
        if (n > MAX_HEADER) throw new TensorFileException(name, "header length " + n + " exceeds the limit of " + MAX_HEADER + " bytes");
        String text;
        try {
            byte[] hb = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(hb)).toString();
        } catch (CharacterCodingException e) {
            throw new TensorFileException(name, "header is not valid UTF-8", e);
        }
        Object json;
        try {
            json = Json.parse(text);
        } catch (Json.ParseException e) {
            throw new TensorFileException(name, "bad JSON in header: " + e.getMessage(), e);
        }
        if (!(json instanceof Map<?, ?> header)) throw new TensorFileException(name, "header is not a JSON object");

        long dataStart = 8 + n, dataLen = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals(METADATA)) metadata = metadata(name, e.getValue());
            else entries.add(entry(name, key, e.getValue(), dataLen));
        }
        checkOverlaps(name, entries);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            int numel = Shapes.numel(en.shape);
            HeapStorage s = en.type.decode(seg, dataStart + en.begin, numel, ByteOrder.LITTLE_ENDIAN);
            tensors.put(en.key, new Tensor(s, en.shape, Shapes.contiguousStrides(en.shape), 0, Backends.defaultBackend()));
        }
        return new Contents(tensors, metadata);
    }

    private static Map<String, String> metadata(String name, Object v) throws TensorFileException {
        if (!(v instanceof Map<?, ?> m)) throw new TensorFileException(name, "__metadata__ is not a JSON object");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s))
                throw new TensorFileException(name, "__metadata__ value of \"" + e.getKey() + "\" is not a string");
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Entry entry(String name, String key, Object v, long dataLen) throws TensorFileException {
        String where = "tensor \"" + key + "\": ";
        if (!(v instanceof Map<?, ?> m)) throw new TensorFileException(name, where + "header entry is not a JSON object");
        if (!(m.get("dtype") instanceof String dt)) throw new TensorFileException(name, where + "missing or non-string \"dtype\"");
        ElementType type = dtype(name, where, dt);

        if (!(m.get("shape") instanceof List<?> shapeList)) throw new TensorFileException(name, where + "missing or non-array \"shape\"");
        int[] shape = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d)) throw new TensorFileException(name, where + "shape " + shapeList + " holds a non-integer");
            if (d < 0) throw new TensorFileException(name, where + "negative dimension " + d + " in shape " + shapeList);
            if (d > Integer.MAX_VALUE) throw new TensorFileException(name, where + "dimension " + d + " in shape " + shapeList + " is too large");
            shape[i] = (int) (long) d;
            numel *= d;
            if (numel > Integer.MAX_VALUE) throw new TensorFileException(name, where + "shape " + shapeList + " has too many elements");
        }

        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2
                || !(off.get(0) instanceof Long begin) || !(off.get(1) instanceof Long end))
            throw new TensorFileException(name, where + "\"data_offsets\" must be an array of two integers, got " + m.get("data_offsets"));
        if (begin < 0 || end < begin || end > dataLen)
            throw new TensorFileException(name, where + "data_offsets [" + begin + ", " + end + "] out of range: the data section has "
                    + dataLen + " bytes (file truncated or offsets wrong)");
        long need = numel * type.bytes;
        if (end - begin != need)
            throw new TensorFileException(name, where + "data_offsets [" + begin + ", " + end + "] span " + (end - begin)
                    + " bytes but shape " + shapeList + " of " + dt + " needs " + need);
        return new Entry(key, type, shape, begin, end);
    }

    private static ElementType dtype(String name, String where, String dt) throws TensorFileException {
        return switch (dt) {
            case "F64" -> ElementType.F64;
            case "F32" -> ElementType.F32;
            case "F16" -> ElementType.F16;
            case "BF16" -> ElementType.BF16;
            case "I64" -> ElementType.I64;
            case "I32" -> ElementType.I32;
            case "I16" -> ElementType.I16;
            case "I8" -> ElementType.I8;
            case "U8" -> ElementType.U8;
            case "BOOL" -> ElementType.BOOL;
            default -> throw new TensorFileException(name, where + "unknown or unsupported dtype \"" + dt
                    + "\" (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        };
    }

    private static void checkOverlaps(String name, List<Entry> entries) throws TensorFileException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.removeIf(e -> e.begin == e.end); // empty tensors occupy no bytes
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin < a.end)
                throw new TensorFileException(name, "tensors \"" + a.key + "\" [" + a.begin + ", " + a.end + "] and \""
                        + b.key + "\" [" + b.begin + ", " + b.end + "] overlap");
        }
    }

    // ================================================================== writing

    /** Atomically writes {@code tensors} (names sorted) without metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /** Atomically writes {@code tensors} (names sorted) and {@code metadata} (may be empty or null). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        AtomicFiles.write(file, out -> write(out, tensors, metadata));
    }

    /** The bytes of a safetensors file. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try {
            write(bo, tensors, metadata);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bo.toByteArray();
    }

    /** Writes a safetensors file to a stream (not closed). */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
        if (sorted.containsKey(METADATA)) throw new IllegalArgumentException("\"" + METADATA + "\" is reserved and cannot name a tensor");
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put(METADATA, new TreeMap<>(metadata));
        long at = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            Tensor t = e.getValue();
            long len = (long) t.numel() * t.dtype().bytes();
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("dtype", t.dtype().name());
            h.put("shape", Arrays.stream(t.shape()).boxed().toList());
            h.put("data_offsets", List.of(at, at + len));
            header.put(e.getKey(), h);
            at += len;
        }
        byte[] hb = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (hb.length + 7) & ~7;
        byte[] lenBytes = new byte[8];
        ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.write(lenBytes);
        out.write(hb);
        for (int i = hb.length; i < padded; i++) out.write(' ');
        for (Tensor t : sorted.values()) out.write(TensorBytes.encode(t, ByteOrder.LITTLE_ENDIAN));
    }
}
