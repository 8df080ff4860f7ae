package dev.sparkj.tensor.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds pickles opcode by opcode and torch-style zips around them, for hand-made test inputs. */
final class PickleBytes {
    private final ByteArrayOutputStream b = new ByteArrayOutputStream();

    static PickleBytes proto2() { return new PickleBytes().op(0x80).op(2); }

    PickleBytes op(int... ops) {
        for (int o : ops) b.write(o);
        return this;
    }

    PickleBytes global(String module, String name) {
        op('c');
        b.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleBytes str(String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        op('X', u.length, 0, 0, 0);
        b.writeBytes(u);
        return this;
    }

    PickleBytes shortStr(String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        op(0x8c, u.length);
        b.writeBytes(u);
        return this;
    }

    PickleBytes int1(int v) { return op('K', v); }

    /** {@code ('storage', torch.<cls>, key, 'cpu', numel)} then BINPERSID. */
    PickleBytes storage(String cls, String key, int numel) {
        op('(').str("storage").global("torch", cls).str(key).str("cpu").int1(numel).op('t', 'Q');
        return this;
    }

    byte[] bytes() { return b.toByteArray(); }

    /** A torch-style zip: {@code <archive>/data.pkl}, the given {@code data/<key>} storages, {@code version}. */
    static byte[] zip(String archive, byte[] pkl, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(archive + "/data.pkl", pkl);
        storages.forEach((k, v) -> entries.put(archive + "/data/" + k, v));
        entries.put(archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip(entries);
    }

    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bo)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return bo.toByteArray();
    }

    static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        ZipArchive a = ZipArchive.open(MemorySegment.ofArray(zip), "test.zip");
        for (String n : a.names()) m.put(n, a.read(n));
        return m;
    }
}
