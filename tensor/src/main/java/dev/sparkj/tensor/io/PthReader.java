package dev.sparkj.tensor.io;

import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.RestrictedUnpickler.StorageRef;
import dev.sparkj.tensor.io.RestrictedUnpickler.TensorRef;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads PyTorch checkpoints ({@code .pth} / {@code .pt}) in the zip format that {@code torch.save}
 * writes by default since PyTorch 1.6: {@code <archive>/data.pkl} (the pickled object),
 * {@code <archive>/data/<key>} (one file per storage), optional {@code <archive>/byteorder}, and
 * {@code <archive>/version}.
 *
 * <p>Loading never executes code: the pickle is read by a restricted unpickler that accepts only
 * state-dict constructs ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * {@code _rebuild_parameter}, typed storages) and refuses any other global ({@code os.system},
 * {@code builtins.eval}, ...) with a {@link TensorFileException} naming it, before any storage is read.
 *
 * <p>Result types: dicts are {@link LinkedHashMap}s (key order kept), lists {@link List}s, tuples
 * {@code Object[]}, plus {@link String}, {@link Long} (or {@link java.math.BigInteger}),
 * {@link Double}, {@link Boolean}, {@code byte[]}, null and {@link Tensor}. Tensors come back as
 * PyTorch saved them: strided views of a shared storage (a saved transpose stays a transpose of the
 * same storage); call {@link Tensor#contiguous()} for a compact copy. Element types: Float, Double,
 * Long, Byte and Bool storages load as F32, F64, I64, U8 and BOOL; Half and BFloat16 widen to F32;
 * Int, Short and Char (int8) widen to I64.
 *
 * <p>Legacy (non-zip) files from {@code _use_new_zipfile_serialization=False} or PyTorch before 1.6
 * are rejected with a message saying how to re-save them.
 */
public final class PthReader {
    private PthReader() {}

    private static final List<String> WRAPPER_KEYS = List.of("model", "module", "state_dict");
    private static final String MODULE_PREFIX = "module.";

    /** Reads the object a checkpoint file holds (memory-mapped while reading; tensors are heap copies). */
    public static Object read(Path file) throws IOException {
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            return read(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena), name);
        }
    }

    /** Reads a checkpoint from its bytes; {@code name} is used in error messages. */
    public static Object read(byte[] bytes, String name) throws IOException {
        return read(MemorySegment.ofArray(bytes), name);
    }

    private static Object read(MemorySegment seg, String name) throws TensorFileException {
        checkMagic(seg.asSlice(0, Math.min(seg.byteSize(), 512)).toArray(ValueLayout.JAVA_BYTE), name);
        ZipArchive zip = ZipArchive.open(seg, name);
        return load(zip.names(), zip::read, name);
    }

    /** Reads one zip entry; null when absent. */
    @FunctionalInterface
    private interface Entries {
        byte[] get(String entry) throws TensorFileException;
    }

    private static Object load(Set<String> names, Entries entries, String name) throws TensorFileException {
        String pkl = dataPkl(names, name);
        String archive = pkl.substring(0, pkl.length() - "data.pkl".length()); // "<archive>/"
        ByteOrder order = byteOrder(entries.get(archive + "byteorder"), name);
        Object graph = RestrictedUnpickler.load(entries.get(pkl), name, pkl);
        return new Resolver(entries, archive, order, name).resolve(graph, "");
    }

    /** Reads a checkpoint from a stream (not closed); {@code name} is used in error messages. */
    public static Object read(InputStream in, String name) throws IOException {
        return read(in.readAllBytes(), name);
    }

    /** The state dict of a checkpoint file, keys as saved. See {@link #stateDict(Object, String, boolean)}. */
    public static Map<String, Tensor> readStateDict(Path file) throws IOException {
        return readStateDict(file, false);
    }

    /**
     * The state dict of a checkpoint file: the top-level dict when it holds tensors, else the dict
     * under {@code "model"}, {@code "module"} or {@code "state_dict"} of a wrapper checkpoint.
     * Non-tensor entries (such as SparK's {@code config}) are skipped. With {@code stripModulePrefix},
     * a leading {@code module.} (from {@code DataParallel} / DDP) is removed from every key that has one.
     */
    public static Map<String, Tensor> readStateDict(Path file, boolean stripModulePrefix) throws IOException {
        return stateDict(read(file), file.toString(), stripModulePrefix);
    }

    /** Finds the state dict in an object read by {@link #read}; {@code name} is used in error messages. */
    public static Map<String, Tensor> stateDict(Object loaded, String name, boolean stripModulePrefix) throws TensorFileException {
        if (!(loaded instanceof Map<?, ?> top))
            throw new TensorFileException(name, "holds a " + (loaded == null ? "None" : loaded.getClass().getSimpleName()) + ", not a dict");
        Map<?, ?> sd = null;
        if (!hasTensors(top)) {
            for (String k : WRAPPER_KEYS)
                if (top.get(k) instanceof Map<?, ?> inner && hasTensors(inner)) { sd = inner; break; }
            if (sd == null)
                throw new TensorFileException(name, "no state dict found: the top-level dict holds no tensors and none of "
                        + WRAPPER_KEYS + " is a dict of tensors (top-level keys: " + top.keySet() + ")");
        } else sd = top;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : sd.entrySet()) {
            if (!(e.getValue() instanceof Tensor t)) continue;
            if (!(e.getKey() instanceof String k)) throw new TensorFileException(name, "state dict key " + e.getKey() + " is not a string");
            if (stripModulePrefix && k.startsWith(MODULE_PREFIX)) k = k.substring(MODULE_PREFIX.length());
            if (out.put(k, t) != null) throw new TensorFileException(name, "key \"" + k + "\" occurs twice after stripping \"module.\"");
        }
        return out;
    }

    private static boolean hasTensors(Map<?, ?> m) {
        for (Object v : m.values()) if (v instanceof Tensor) return true;
        return false;
    }

    // ------------------------------------------------------------------ archive

    private static void checkMagic(byte[] b, String name) throws TensorFileException {
        if (b.length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) return;
        if (b.length == 0) throw new TensorFileException(name, "empty file");
        boolean pickle = (b[0] & 0xff) == 0x80;
        boolean tar = b.length > 262 && new String(b, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar");
        if (pickle || tar)
            throw new TensorFileException(name, "legacy (non-zip) torch.save format, which this reader does not support; "
                    + "re-save it in PyTorch with the default zip format: torch.save(torch.load(path), new_path) "
                    + "(PyTorch >= 1.6, without _use_new_zipfile_serialization=False)");
        throw new TensorFileException(name, String.format("not a PyTorch zip checkpoint: starts with %02x %02x %02x %02x",
                b[0], b.length > 1 ? b[1] : 0, b.length > 2 ? b[2] : 0, b.length > 3 ? b[3] : 0));
    }

    private static String dataPkl(Set<String> names, String name) throws TensorFileException {
        List<String> found = new ArrayList<>();
        for (String e : names) {
            int slash = e.indexOf('/');
            if (slash > 0 && e.indexOf('/', slash + 1) < 0 && e.endsWith("/data.pkl")) found.add(e);
        }
        if (found.isEmpty()) throw new TensorFileException(name, "no <archive>/data.pkl entry: not a torch.save checkpoint");
        if (found.size() > 1) throw new TensorFileException(name, "several data.pkl entries: " + found);
        return found.getFirst();
    }

    private static ByteOrder byteOrder(byte[] entry, String name) throws TensorFileException {
        if (entry == null) return ByteOrder.LITTLE_ENDIAN;
        String s = new String(entry, StandardCharsets.US_ASCII).trim();
        return switch (s) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new TensorFileException(name, "byteorder record says \"" + s + "\", expected little or big");
        };
    }

    /** Replaces tensor placeholders by tensors, loading each storage once. */
    private static final class Resolver {
        private final Entries entries;
        private final String archive;
        private final ByteOrder order;
        private final String name;
        private final Map<String, HeapStorage> storages = new HashMap<>();
        private final Map<String, StorageRef> refs = new HashMap<>();
        private final Set<Object> visited = Collections.newSetFromMap(new IdentityHashMap<>());

        Resolver(Entries entries, String archive, ByteOrder order, String name) {
            this.entries = entries;
            this.archive = archive;
            this.order = order;
            this.name = name;
        }

        @SuppressWarnings("unchecked")
        Object resolve(Object o, String path) throws TensorFileException {
            if (o instanceof TensorRef t) return tensor(t, path);
            if (o == null || !visited.add(o)) return o;
            switch (o) {
                case Map<?, ?> m -> {
                    for (Map.Entry<Object, Object> e : ((Map<Object, Object>) m).entrySet())
                        e.setValue(resolve(e.getValue(), join(path, String.valueOf(e.getKey()))));
                }
                case List<?> l -> {
                    List<Object> lo = (List<Object>) l;
                    for (int i = 0; i < lo.size(); i++) lo.set(i, resolve(lo.get(i), join(path, String.valueOf(i))));
                }
                case Object[] a -> {
                    for (int i = 0; i < a.length; i++) a[i] = resolve(a[i], join(path, String.valueOf(i)));
                }
                default -> { }
            }
            return o;
        }

        private static String join(String path, String k) { return path.isEmpty() ? k : path + "/" + k; }

        private Tensor tensor(TensorRef t, String path) throws TensorFileException {
            String where = "tensor \"" + path + "\": ";
            StorageRef s = t.storage();
            HeapStorage st = storage(s, where);
            int rank = t.size().length;
            if (t.stride().length != rank)
                throw new TensorFileException(name, where + "size has " + rank + " dims but stride has " + t.stride().length);
            int[] shape = new int[rank], strides = new int[rank];
            long numel = 1, last = t.offset();
            for (int i = 0; i < rank; i++) {
                long d = t.size()[i], st2 = t.stride()[i];
                if (d < 0 || d > Integer.MAX_VALUE) throw new TensorFileException(name, where + "bad dimension " + d);
                if (st2 < 0 || st2 > Integer.MAX_VALUE) throw new TensorFileException(name, where + "bad stride " + st2);
                shape[i] = (int) d;
                strides[i] = (int) st2;
                numel = d > 0 && numel > Long.MAX_VALUE / d ? Long.MAX_VALUE : numel * d;
                if (d > 0) last += (d - 1) * st2;
            }
            if (numel > Integer.MAX_VALUE) throw new TensorFileException(name, where + "size " + java.util.Arrays.toString(t.size()) + " has too many elements");
            if (t.offset() < 0) throw new TensorFileException(name, where + "negative storage offset " + t.offset());
            if (numel > 0 && last >= s.numel())
                throw new TensorFileException(name, where + "view (offset " + t.offset() + ", size " + java.util.Arrays.toString(t.size())
                        + ", stride " + java.util.Arrays.toString(t.stride()) + ") reaches element " + last
                        + " of a storage of " + s.numel() + " elements");
            int offset = numel > 0 ? (int) t.offset() : 0;
            return new Tensor(st, shape, strides, offset, Backends.defaultBackend());
        }

        private HeapStorage storage(StorageRef s, String where) throws TensorFileException {
            HeapStorage cached = storages.get(s.key());
            if (cached != null) {
                StorageRef first = refs.get(s.key());
                if (first.type() != s.type() || first.numel() != s.numel())
                    throw new TensorFileException(name, where + "storage " + s.key() + " is declared both as " + first.storageClass()
                            + "[" + first.numel() + "] and " + s.storageClass() + "[" + s.numel() + "]");
                return cached;
            }
            String entry = archive + "data/" + s.key();
            byte[] data = entries.get(entry);
            if (data == null) throw new TensorFileException(name, where + "storage entry " + entry + " is missing from the archive");
            long need = s.numel() * s.type().bytes;
            if (s.numel() > Integer.MAX_VALUE || data.length < need)
                throw new TensorFileException(name, where + "storage entry " + entry + " has " + data.length + " bytes but "
                        + s.storageClass() + " of " + s.numel() + " elements needs " + need);
            HeapStorage h = s.type().decode(MemorySegment.ofArray(data), 0, (int) s.numel(), order);
            storages.put(s.key(), h);
            refs.put(s.key(), s);
            return h;
        }
    }
}
