package dev.sparkj.tensor.io;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.sparkj.tensor.io.TensorAsserts.assertTensorEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PthReaderTest {
    static final Path DIR = Fixtures.PTH;

    private static void assertContains(String msg, String... parts) {
        for (String p : parts) assertTrue(msg.contains(p), "expected \"" + p + "\" in: " + msg);
    }

    // ------------------------------------------------------------------ fixtures made by torch.save

    @Test
    void stateMatchesTheSafetensorsCopyTensorByTensor() throws IOException {
        Map<String, Tensor> pth = PthReader.readStateDict(DIR.resolve("state.pth"));
        Map<String, Tensor> st = SafeTensors.load(DIR.resolve("state.safetensors"));
        assertEquals(st.keySet(), pth.keySet());
        assertEquals(22, pth.size());
        for (String k : st.keySet()) assertTensorEquals(st.get(k), pth.get(k), k);
    }

    @Test
    void stateKeepsOrderDtypesAndScalars() throws IOException {
        Map<String, Tensor> sd = PthReader.readStateDict(DIR.resolve("state.pth"));
        assertEquals(List.of("conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                "bn.num_batches_tracked", "dtype.f32"), List.copyOf(sd.keySet()).subList(0, 8));
        Tensor nbt = sd.get("bn.num_batches_tracked");
        assertEquals(DType.I64, nbt.dtype());
        assertEquals(0, nbt.rank());
        assertEquals(7, nbt.item());
        assertEquals(3.5, sd.get("scalar.f32").item());
        assertEquals(0, sd.get("scalar.f32").rank());
        assertArrayEquals(new float[] {0.5f, -0.25f, 1.0f}, sd.get("bn.running_mean").toFloatArray());
        assertEquals(DType.F32, sd.get("dtype.f16").dtype());
        assertArrayEquals(new float[] {0.5f, -1.25f, 3.0f, 65504.0f, -0.0009765625f, 1.0001659393310547E-4f}, sd.get("dtype.f16").toFloatArray());
        // bf16 keeps 8 mantissa bits: values torch itself prints after .float()
        assertArrayEquals(new float[] {1.0f, -2.5f, 3.140625f, 1.0002555517425873e+30f, -9.98402083170343e-31f}, sd.get("dtype.bf16").toFloatArray());
        assertEquals(DType.I64, sd.get("dtype.i32").dtype());
        assertArrayEquals(new long[] {1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE}, sd.get("dtype.i32").toLongArray());
        assertArrayEquals(new long[] {1, -2, 32767, -32768}, sd.get("dtype.i16").toLongArray());
        assertArrayEquals(new long[] {0, -1, 1L << 40, -(1L << 62), 5}, sd.get("dtype.i64").toLongArray());
        assertEquals(DType.U8, sd.get("dtype.u8").dtype());
        assertArrayEquals(new byte[] {0, 1, 127, (byte) 128, (byte) 255}, sd.get("dtype.u8").toByteArray());
        assertEquals(DType.BOOL, sd.get("dtype.bool").dtype());
        assertArrayEquals(new byte[] {1, 0, 1, 0, 0, 1}, sd.get("dtype.bool").toByteArray());
        assertArrayEquals(new int[] {2, 3}, sd.get("param.weight").shape());
    }

    @Test
    void viewsShareOneStorageWithTheirSavedStridesAndOffsets() throws IOException {
        Map<String, Tensor> sd = PthReader.readStateDict(DIR.resolve("state.pth"));
        Tensor base = sd.get("view.base"), t = sd.get("view.transposed"), s = sd.get("view.slice"), x = sd.get("view.expanded");
        assertSame(base.storage(), t.storage());
        assertSame(base.storage(), s.storage());
        assertArrayEquals(new int[] {1, 4}, t.strides());
        assertEquals(5, s.offset());
        assertArrayEquals(new int[] {4, 1}, s.strides());
        assertArrayEquals(new int[] {0, 1}, x.strides());
        // base = arange(12).reshape(3,4)/4 - 1
        assertArrayEquals(new float[] {-1f, 0f, 1f, -0.75f, 0.25f, 1.25f, -0.5f, 0.5f, 1.5f, -0.25f, 0.75f, 1.75f}, t.toFloatArray());
        assertArrayEquals(new float[] {0.25f, 0.5f, 1.25f, 1.5f}, s.toFloatArray());
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, x.toFloatArray());
    }

    @Test
    void wrappedCheckpointYieldsTheModuleStateWithPrefixStripped() throws IOException {
        Map<String, Tensor> sd = PthReader.readStateDict(DIR.resolve("wrapped.pth"), true);
        Map<String, Tensor> st = SafeTensors.load(DIR.resolve("wrapped.safetensors"));
        assertEquals(13, sd.size());
        assertFalse(sd.containsKey("config"), "non-tensor entries are skipped");
        assertEquals("conv1.weight", sd.keySet().iterator().next());
        for (String k : st.keySet()) {
            assertTrue(k.startsWith("module."), k);
            assertTensorEquals(st.get(k), sd.get(k.substring("module.".length())), k);
        }
        Map<String, Tensor> kept = PthReader.readStateDict(DIR.resolve("wrapped.pth"), false);
        assertEquals(st.keySet(), kept.keySet());
    }

    @Test
    void wrappedCheckpointKeepsEveryPythonValue() throws IOException {
        Map<?, ?> ck = (Map<?, ?>) PthReader.read(DIR.resolve("wrapped.pth"));
        assertEquals(List.of("args", "input_size", "arch", "epoch", "performance_desc", "module", "optimizer", "is_pretrain"),
                List.copyOf(ck.keySet()));
        assertEquals(3L, ck.get("epoch"));
        assertEquals(224L, ck.get("input_size"));
        assertEquals("resnet50", ck.get("arch"));
        assertEquals(Boolean.TRUE, ck.get("is_pretrain"));
        Map<?, ?> config = (Map<?, ?>) ((Map<?, ?>) ck.get("module")).get("config");
        assertEquals(0.6, config.get("mask_ratio"));
        assertEquals("bn", config.get("densify_norm_str"));
        assertEquals(Boolean.FALSE, config.get("sbn"));
        assertEquals(768L, config.get("dense_decoder.width"));
        Map<?, ?> opt = (Map<?, ?>) ck.get("optimizer");
        List<?> groups = (List<?>) opt.get("param_groups");
        assertEquals(2, groups.size());
        Map<?, ?> g0 = (Map<?, ?>) groups.get(0);
        assertArrayEquals(new Object[] {0.9, 0.95}, (Object[]) g0.get("betas"));
        assertEquals(1.5e-4, g0.get("lr"));
        assertEquals(1e-6, g0.get("eps"));
        assertEquals(3L, g0.get("step"));
        Map<?, ?> state = (Map<?, ?>) opt.get("state");
        assertEquals(0L, state.keySet().iterator().next(), "integer keys stay Long");
        Tensor expAvg = (Tensor) ((Map<?, ?>) state.get(0L)).get("exp_avg");
        assertArrayEquals(new int[] {4, 3, 1, 1}, expAvg.shape());
        List<?> params = (List<?>) g0.get("params");
        List<?> params1 = (List<?>) ((Map<?, ?>) groups.get(1)).get("params");
        assertEquals(state.size(), params.size() + params1.size());
    }

    @Test
    void hostileCheckpointIsRefusedWithoutRunningIt() throws IOException {
        Path pwned = Path.of("/tmp/sparkj_pwned");
        boolean before = Files.exists(pwned);
        TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(DIR.resolve("hostile.pth")));
        assertContains(e.getMessage(), "hostile.pth", "refusing to load global posix.system from hostile/data.pkl",
                "only state-dict constructs are allowed");
        assertThrows(TensorFileException.class, () -> PthReader.readStateDict(DIR.resolve("hostile.pth")));
        if (!before) assertFalse(Files.exists(pwned), "the payload must never run");
    }

    @Test
    void legacyFormatIsRejectedWithAHowTo() {
        TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(DIR.resolve("legacy.pth")));
        assertContains(e.getMessage(), "legacy.pth", "legacy (non-zip) torch.save format", "re-save", "torch.save");
    }

    // ------------------------------------------------------------------ hand-built hostile pickles

    private static String refuse(byte[] pkl) throws IOException {
        byte[] zip = PickleBytes.zip("evil", pkl, Map.of());
        return assertThrows(TensorFileException.class, () -> PthReader.read(zip, "evil.pth")).getMessage();
    }

    @Test
    void refusesBuiltinsEval() throws IOException {
        byte[] p = PickleBytes.proto2().global("builtins", "eval").op('(').str("__import__('os').system('x')").op('t', 'R', '.').bytes();
        assertContains(refuse(p), "evil.pth: ", "refusing to load global builtins.eval from evil/data.pkl", "only state-dict constructs");
    }

    @Test
    void refusesOsSystemThroughStackGlobal() throws IOException {
        byte[] p = new PickleBytes().op(0x80, 4).shortStr("os").shortStr("system").op(0x93).op('(').shortStr("touch /tmp/x").op('t', 'R', '.').bytes();
        assertContains(refuse(p), "refusing to load global os.system");
    }

    @Test
    void refusesGetattrAndInst() throws IOException {
        byte[] getattr = PickleBytes.proto2().global("__builtin__", "getattr").op('.').bytes();
        assertContains(refuse(getattr), "refusing to load global __builtin__.getattr");
        byte[] inst = PickleBytes.proto2().op('(').op('i').op("subprocess\nPopen\n".chars().toArray()).op('.').bytes();
        assertContains(refuse(inst), "refusing to load global subprocess.Popen");
        byte[] lookalike = PickleBytes.proto2().global("torch", "load").op('.').bytes();
        assertContains(refuse(lookalike), "refusing to load global torch.load");
        byte[] nested = PickleBytes.proto2().global("collections", "OrderedDict").op(')', 'R')
                .str("k").global("torch._utils", "_rebuild_tensor_v2").op('s', '.').bytes();
        assertTrue(PthReader.read(PickleBytes.zip("ok", nested, Map.of()), "ok.pth") instanceof Map<?, ?>, "allowed globals pass");
    }

    // ------------------------------------------------------------------ damaged archives

    @Test
    void rejectsUnsupportedOpcodes() throws IOException {
        byte[] p = PickleBytes.proto2().op('I').op("12\n".chars().toArray()).op('.').bytes();
        assertContains(refuse(p), "evil/data.pkl", "unsupported pickle opcode 'I' (0x49) at byte 2");
    }

    @Test
    void rejectsTruncatedPickles() throws IOException {
        byte[] full = PickleBytes.unzip(Files.readAllBytes(DIR.resolve("state.pth"))).get("state/data.pkl");
        assertContains(refuse(Arrays.copyOf(full, full.length / 2)), "truncated pickle");
        assertContains(refuse(Arrays.copyOf(full, full.length - 1)), "truncated pickle", "without a STOP");
        byte[] underflow = PickleBytes.proto2().op('t', '.').bytes();
        assertContains(refuse(underflow), "no MARK");
    }

    @Test
    void rejectsTruncatedZips() throws IOException {
        byte[] full = Files.readAllBytes(DIR.resolve("state.pth"));
        for (int len : new int[] {full.length / 2, full.length - 10}) {
            TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(Arrays.copyOf(full, len), "cut.pth"));
            assertContains(e.getMessage(), "cut.pth: ", "truncated zip");
        }
        Path cut = Files.createTempFile("cut", ".pth");
        try {
            Files.write(cut, Arrays.copyOf(full, full.length / 2));
            TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(cut));
            assertContains(e.getMessage(), cut.toString(), "truncated zip");
        } finally {
            Files.delete(cut);
        }
    }

    @Test
    void rejectsMissingAndShortStorages() throws IOException {
        Map<String, byte[]> entries = PickleBytes.unzip(Files.readAllBytes(DIR.resolve("state.pth")));
        entries.remove("state/data/3"); // bn.bias
        TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(PickleBytes.zip(entries), "gap.pth"));
        assertContains(e.getMessage(), "gap.pth: ", "tensor \"bn.bias\"", "storage entry state/data/3 is missing");

        byte[] p = PickleBytes.proto2().op('}', '(').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .storage("FloatStorage", "0", 4).int1(0).op('(').int1(4).op('t', '(').int1(1).op('t', 0x89, 'N', 't', 'R', 'u', '.').bytes();
        byte[] zip = PickleBytes.zip("a", p, Map.of("0", new byte[12]));
        e = assertThrows(TensorFileException.class, () -> PthReader.read(zip, "short.pth"));
        assertContains(e.getMessage(), "tensor \"w\"", "storage entry a/data/0 has 12 bytes", "FloatStorage of 4 elements needs 16");
    }

    @Test
    void rejectsViewsOutsideTheirStorage() throws IOException {
        byte[] p = PickleBytes.proto2().op('}', '(').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .storage("FloatStorage", "0", 4).int1(2).op('(').int1(3).op('t', '(').int1(1).op('t', 0x89, 'N', 't', 'R', 'u', '.').bytes();
        byte[] zip = PickleBytes.zip("a", p, Map.of("0", new byte[16]));
        TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(zip, "oob.pth"));
        assertContains(e.getMessage(), "tensor \"w\"", "reaches element 4 of a storage of 4 elements");
    }

    @Test
    void readsHandBuiltTensorsWithOffsetsAndBigEndianStorages() throws IOException {
        byte[] p = PickleBytes.proto2().op('}', '(').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .storage("ShortStorage", "7", 4).int1(1).op('(').int1(3).op('t', '(').int1(1).op('t', 0x89, 'N', 't', 'R', 'u', '.').bytes();
        Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        entries.put("a/data.pkl", p);
        entries.put("a/byteorder", "big".getBytes());
        entries.put("a/data/7", new byte[] {0, 1, (byte) 0xff, (byte) 0xfe, 0x7f, (byte) 0xff, (byte) 0x80, 0});
        Map<String, Tensor> sd = PthReader.stateDict(PthReader.read(PickleBytes.zip(entries), "be.pth"), "be.pth", false);
        assertEquals(DType.I64, sd.get("w").dtype());
        assertArrayEquals(new long[] {-2, 32767, -32768}, sd.get("w").toLongArray());
    }

    @Test
    void rejectsNonCheckpoints() throws IOException {
        TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(new byte[] {1, 2, 3, 4, 5}, "junk.bin"));
        assertContains(e.getMessage(), "junk.bin: not a PyTorch zip checkpoint: starts with 01 02 03 04");
        byte[] noPkl = PickleBytes.zip(Map.of("a/version", "3\n".getBytes()));
        e = assertThrows(TensorFileException.class, () -> PthReader.read(noPkl, "nopkl.pth"));
        assertContains(e.getMessage(), "no <archive>/data.pkl entry");
        byte[] list = PickleBytes.proto2().op(']', '.').bytes();
        e = assertThrows(TensorFileException.class, () -> PthReader.stateDict(PthReader.read(PickleBytes.zip("a", list, Map.of()), "l.pth"), "l.pth", false));
        assertContains(e.getMessage(), "l.pth: holds a ArrayList, not a dict");
        byte[] noTensors = PickleBytes.proto2().op('}').str("epoch").int1(3).op('s', '.').bytes();
        e = assertThrows(TensorFileException.class, () -> PthReader.stateDict(PthReader.read(PickleBytes.zip("a", noTensors, Map.of()), "n.pth"), "n.pth", false));
        assertContains(e.getMessage(), "no state dict found", "[epoch]");
    }

    @Test
    void rejectsEmptyFilesAndHugeViews() throws IOException {
        Path empty = Files.createTempFile("empty", ".pth");
        try {
            TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(empty));
            assertContains(e.getMessage(), empty.toString(), "empty file");
        } finally {
            Files.delete(empty);
        }
        byte[] p = PickleBytes.proto2().op('}', '(').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .storage("FloatStorage", "0", 1).int1(0).op('(').op('J', 0xff, 0xff, 0xff, 0x7f).op('J', 0xff, 0xff, 0xff, 0x7f)
                .op('t', '(').int1(0).int1(0).op('t', 0x89, 'N', 't', 'R', 'u', '.').bytes();
        byte[] zip = PickleBytes.zip("a", p, Map.of("0", new byte[4]));
        TensorFileException e = assertThrows(TensorFileException.class, () -> PthReader.read(zip, "huge.pth"));
        assertContains(e.getMessage(), "tensor \"w\"", "too many elements");
    }

    @Test
    void resultTypesArePlainJava() throws IOException {
        byte[] p = PickleBytes.proto2().op('(').op('N', 0x88).op('J', 0xfe, 0xff, 0xff, 0xff).op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1)
                .op('G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0).str("é").op(']', 'K', 1, 'a').op('t', '.').bytes();
        Object[] t = (Object[]) PthReader.read(PickleBytes.zip("a", p, Map.of()), "types.pth");
        assertEquals(null, t[0]);
        assertEquals(Boolean.TRUE, t[1]);
        assertEquals(-2L, t[2]);
        assertEquals(java.math.BigInteger.ONE.shiftLeft(64), t[3]);
        assertEquals(1.5, t[4]);
        assertEquals("é", t[5]);
        assertEquals(List.of(1L), t[6]);
        assertInstanceOf(List.class, t[6]);
    }
}
