package dev.sparkj.tensor.io;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.sparkj.tensor.io.TensorAsserts.assertTensorEquals;
import static dev.sparkj.tensor.io.TensorAsserts.bools;
import static dev.sparkj.tensor.io.TensorAsserts.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    static Map<String, Tensor> allDtypes() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("z.f32", Tensor.of(new float[] {1.5f, -2f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3.25f}, 2, 3));
        m.put("a.f64", Tensor.of(new double[] {Math.PI, -1e300, 4.9e-324}, 3));
        m.put("m.i64", Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 0, 1L << 40, Long.MAX_VALUE, 7}, 3, 2));
        m.put("b.u8", u8(new int[] {5}, 0, 1, 127, 128, 255));
        m.put("c.bool", bools(new int[] {2, 2}, 1, 0, 0, 1));
        m.put("s.scalar", Tensor.of(new float[] {42f}));
        m.put("e.empty", Tensor.of(new float[0], 0, 4));
        return m;
    }

    @Test
    void roundTripsEveryDtypeThroughAFile() throws IOException {
        Map<String, Tensor> in = allDtypes();
        Path f = dir.resolve("all.safetensors");
        SafeTensors.write(f, in, Map.of("format", "pt", "note", "é \"quoted\""));
        SafeTensors.Contents back = SafeTensors.read(f);
        assertEquals(List.of("a.f64", "b.u8", "c.bool", "e.empty", "m.i64", "s.scalar", "z.f32"), List.copyOf(back.tensors().keySet()),
                "keys come back sorted, as written");
        for (String k : in.keySet()) assertTensorEquals(in.get(k), back.tensors().get(k), k);
        assertEquals(Map.of("format", "pt", "note", "é \"quoted\""), back.metadata());
        assertEquals(0, back.tensors().get("s.scalar").rank());
    }

    @Test
    void roundTripsThroughBytesAndStreams() throws IOException {
        Map<String, Tensor> in = allDtypes();
        byte[] b = SafeTensors.toBytes(in, null);
        SafeTensors.Contents back = SafeTensors.read(new ByteArrayInputStream(b), "mem");
        for (String k : in.keySet()) assertTensorEquals(in.get(k), back.tensors().get(k), k);
        assertTrue(back.metadata().isEmpty());
    }

    @Test
    void writesAFormatMatchingTheReferenceLayout() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", Tensor.of(new float[] {1f, 2f}, 2));
        in.put("b", Tensor.ofLongs(new long[] {3}, 1));
        byte[] f = SafeTensors.toBytes(in, Map.of("k", "v"));
        long n = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to 8 bytes");
        String header = new String(f, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", header.stripTrailing());
        ByteBuffer data = ByteBuffer.wrap(f, 8 + (int) n, 16).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3L, data.getLong());
        assertEquals(1f, data.getFloat());
        assertEquals(2f, data.getFloat());
    }

    @Test
    void writesNonContiguousViewsAsContiguous() throws IOException {
        Tensor base = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4);
        Tensor t = base.transpose(0, 1); // [4,3] strides (1,4)
        Tensor slice = base.slice(0, 1, 3).slice(1, 1, 3); // [2,2] offset 5
        Tensor expanded = Tensor.of(new float[] {1, 2, 3}, 3).expand(2, 3);
        Map<String, Tensor> back = SafeTensors.read(SafeTensors.toBytes(Map.of("t", t, "s", slice, "x", expanded), null), "mem").tensors();
        assertArrayEquals(new int[] {4, 3}, back.get("t").shape());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, back.get("t").toFloatArray());
        assertArrayEquals(new float[] {5, 6, 9, 10}, back.get("s").toFloatArray());
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, back.get("x").toFloatArray());
        assertTrue(back.get("t").isContiguous());
    }

    @Test
    void readsNarrowTypesWidened() throws IOException {
        // F16: 1.0 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff; BF16: 1.0 = 0x3f80, -2.5 = 0xc020
        ByteBuffer d = ByteBuffer.allocate(6 + 4 + 8 + 4 + 2).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort((short) 0x3c00).putShort((short) 0xc100).putShort((short) 0x7bff);
        d.putShort((short) 0x3f80).putShort((short) 0xc020);
        d.putInt(Integer.MIN_VALUE).putInt(Integer.MAX_VALUE);
        d.putShort((short) -32768).putShort((short) 32767);
        d.put((byte) -128).put((byte) 127);
        String h = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[10,18]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[18,22]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[22,24]}}";
        Map<String, Tensor> t = SafeTensors.read(file(h, d.array()), "narrow.safetensors").tensors();
        assertEquals(DType.F32, t.get("h").dtype());
        assertArrayEquals(new float[] {1f, -2.5f, 65504f}, t.get("h").toFloatArray());
        assertArrayEquals(new float[] {1f, -2.5f}, t.get("bf").toFloatArray());
        assertEquals(DType.I64, t.get("i32").dtype());
        assertArrayEquals(new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE}, t.get("i32").toLongArray());
        assertArrayEquals(new long[] {-32768, 32767}, t.get("i16").toLongArray());
        assertArrayEquals(new long[] {-128, 127}, t.get("i8").toLongArray());
        assertEquals(List.of("h", "bf", "i32", "i16", "i8"), List.copyOf(t.keySet()), "header order kept on read");
    }

    @Test
    void readsTheFixtureWrittenByPythonTooling() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(Fixtures.PTH.resolve("state.safetensors"));
        assertTrue(c.metadata().get("note").startsWith("same tensors as state.pth"));
        assertArrayEquals(new long[] {0, -1, 1L << 40, -(1L << 62), 5}, c.tensors().get("dtype.i64").toLongArray());
        assertArrayEquals(new float[] {3.5f}, c.tensors().get("scalar.f32").toFloatArray());
    }

    // ------------------------------------------------------------------ damaged files

    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static String error(byte[] bytes) {
        return assertThrows(TensorFileException.class, () -> SafeTensors.read(bytes, "bad.safetensors")).getMessage();
    }

    private static void assertMessage(String msg, String... parts) {
        assertTrue(msg.startsWith("bad.safetensors: "), msg);
        for (String p : parts) assertTrue(msg.contains(p), "expected \"" + p + "\" in: " + msg);
    }

    private static final String ONE = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void rejectsFilesShorterThanTheLengthField() {
        assertMessage(error(new byte[5]), "truncated", "5 bytes");
    }

    @Test
    void rejectsHeaderLengthBeyondTheFile() {
        byte[] f = file(ONE, new byte[8]);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1_000_000);
        assertMessage(error(f), "header length 1000000 is larger than the file");
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
        assertMessage(error(f), "is larger than the file");
    }

    @Test
    void rejectsTruncatedData() {
        byte[] full = file(ONE, new byte[8]);
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
        assertMessage(error(cut), "tensor \"w\"", "data_offsets [0, 8] out of range", "5 bytes");
    }

    @Test
    void rejectsTruncatedHeader() {
        byte[] full = file(ONE, new byte[8]);
        byte[] cut = java.util.Arrays.copyOf(full, 20);
        assertMessage(error(cut), "header length", "larger than the file");
    }

    @Test
    void rejectsBadJson() {
        assertMessage(error(file("{\"w\":{\"dtype\":\"F32\",}", new byte[0])), "bad JSON in header", "at character");
        assertMessage(error(file("[1,2]", new byte[0])), "header is not a JSON object");
        assertMessage(error(file("{\"w\":1,\"w\":2}", new byte[0])), "bad JSON", "repeated key \"w\"");
    }

    @Test
    void rejectsInvalidUtf8Header() {
        byte[] f = file("{\"w\":1}", new byte[0]);
        f[10] = (byte) 0xff;
        assertMessage(error(f), "not valid UTF-8");
    }

    @Test
    void rejectsUnknownDtype() {
        assertMessage(error(file("{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8])),
                "tensor \"w\"", "unknown or unsupported dtype \"Q7\"");
    }

    @Test
    void rejectsNegativeDimensions() {
        assertMessage(error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", new byte[8])),
                "tensor \"w\"", "negative dimension -1");
    }

    @Test
    void rejectsOffsetsOutOfRange() {
        assertMessage(error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", new byte[8])),
                "tensor \"w\"", "data_offsets [8, 16] out of range", "8 bytes");
        assertMessage(error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", new byte[8])),
                "tensor \"w\"", "out of range");
        assertMessage(error(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", new byte[8])),
                "tensor \"w\"", "two integers");
    }

    @Test
    void rejectsOffsetsNotMatchingShape() {
        assertMessage(error(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8])),
                "tensor \"w\"", "span 8 bytes but shape [2] of F64 needs 16");
    }

    @Test
    void rejectsOverlappingTensors() {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertMessage(error(file(h, new byte[12])), "tensors \"a\" [0, 8] and \"b\" [4, 12] overlap");
    }

    @Test
    void rejectsNonStringMetadata() {
        assertMessage(error(file("{\"__metadata__\":{\"epoch\":3}}", new byte[0])), "__metadata__", "\"epoch\"", "not a string");
    }

    @Test
    void namesThePathWhenReadingAFile() throws IOException {
        Path f = dir.resolve("cut.safetensors");
        Files.write(f, new byte[3]);
        TensorFileException e = assertThrows(TensorFileException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": truncated"), e.getMessage());
    }

    @Test
    void atomicWriteReplacesAndLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.write(f, Map.of("a", Tensor.of(new float[] {1}, 1)));
        SafeTensors.write(f, Map.of("b", Tensor.of(new float[] {2, 3}, 2)));
        assertEquals(List.of("b"), List.copyOf(SafeTensors.load(f).keySet()));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList());
        }
    }
}
