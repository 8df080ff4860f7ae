package dev.sparkj.tensor.io;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.sparkj.tensor.io.TensorAsserts.assertTensorEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PthWriterTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtypeInOrder() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>(SafeTensorsTest.allDtypes());
        Tensor base = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        in.put("view.t", base.transpose(0, 1));
        Path f = dir.resolve("sd.pth");
        PthWriter.write(f, in);
        Map<String, Tensor> back = PthReader.readStateDict(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(back.keySet()), "map order kept (not sorted)");
        for (String k : in.keySet()) assertTensorEquals(in.get(k), back.get(k), k);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, back.get("view.t").toFloatArray());
        assertTrue(back.get("view.t").isContiguous());
    }

    @Test
    void writesTheTorchArchiveLayoutWithAlignedEntries() throws IOException {
        byte[] zip = PthWriter.toBytes(Map.of("w", Tensor.of(new float[] {1, 2, 3}, 3)));
        Map<String, byte[]> e = PickleBytes.unzip(zip);
        assertEquals(List.of("archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/version"), List.copyOf(e.keySet()));
        assertEquals("little", new String(e.get("archive/byteorder"), StandardCharsets.US_ASCII));
        assertEquals("3\n", new String(e.get("archive/version"), StandardCharsets.US_ASCII));
        ByteBuffer d = ByteBuffer.wrap(e.get("archive/data/0")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2f, d.getFloat(4));
        // every local entry's data starts at a multiple of 64 (torch writes them so; mmap loading relies on it)
        ByteBuffer z = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int p = 0, n = 0;
        while (z.getInt(p) == 0x04034b50) {
            int data = p + 30 + (z.getShort(p + 26) & 0xffff) + (z.getShort(p + 28) & 0xffff);
            assertEquals(0, data % 64, "entry " + n + " data offset " + data);
            p = data + z.getInt(p + 18);
            n++;
        }
        assertEquals(4, n);
        assertArrayEquals(zip, PthWriter.toBytes(Map.of("w", Tensor.of(new float[] {1, 2, 3}, 3))), "deterministic bytes");
    }

    @Test
    void writesWrapperCheckpointsWithPythonValues() throws IOException {
        Map<String, Object> ck = new LinkedHashMap<>();
        ck.put("module", new LinkedHashMap<>(Map.of("module.w", Tensor.ofLongs(new long[] {1L << 50, -3}, 2))));
        ck.put("epoch", 3);
        ck.put("big", java.math.BigInteger.ONE.shiftLeft(70));
        ck.put("lr", 1.5e-4);
        ck.put("betas", new Object[] {0.9, 0.95});
        ck.put("params", List.of(0, 1, 70000, -5));
        ck.put("name", "résumé");
        ck.put("flag", true);
        ck.put("none", null);
        Path f = dir.resolve("wrapped.pth");
        PthWriter.writeObject(f, ck);
        Map<?, ?> back = (Map<?, ?>) PthReader.read(f);
        assertEquals(3L, back.get("epoch"));
        assertEquals(java.math.BigInteger.ONE.shiftLeft(70), back.get("big"));
        assertEquals(1.5e-4, back.get("lr"));
        assertArrayEquals(new Object[] {0.9, 0.95}, (Object[]) back.get("betas"));
        assertEquals(List.of(0L, 1L, 70000L, -5L), back.get("params"));
        assertEquals("résumé", back.get("name"));
        assertEquals(Boolean.TRUE, back.get("flag"));
        assertTrue(back.containsKey("none") && back.get("none") == null);
        Map<String, Tensor> sd = PthReader.readStateDict(f, true);
        assertArrayEquals(new long[] {1L << 50, -3}, sd.get("w").toLongArray());
    }

    @Test
    void rewritesTheTorchFixtureLosslessly() throws IOException {
        Map<String, Tensor> sd = PthReader.readStateDict(Fixtures.PTH.resolve("state.pth"));
        Path f = dir.resolve("again.pth");
        PthWriter.write(f, sd);
        Map<String, Tensor> back = PthReader.readStateDict(f);
        assertEquals(List.copyOf(sd.keySet()), List.copyOf(back.keySet()));
        for (String k : sd.keySet()) assertTensorEquals(sd.get(k), back.get(k), k);
    }
}
