package dev.sparkj.tensor.io;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that understands only what PyTorch state dicts are made of and never runs code.
 *
 * <p>It implements the binary opcodes {@code torch.save} emits (protocol 2, plus the protocol 3/4
 * string, bytes, frame and memo opcodes) and resolves a global only if it is on a fixed allow-list:
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_parameter}
 * (and {@code _with_state}), the typed storage classes ({@code torch.FloatStorage} ...), dtype names
 * ({@code torch.float32} ...), {@code torch.Size} and {@code _codecs.encode}. Any other global
 * ({@code os.system}, {@code posix.system}, {@code builtins.eval}, ...) is refused the moment its
 * opcode is read, and even allowed globals are only ever interpreted, never looked up or called.
 *
 * <p>The result is plain Java: {@link LinkedHashMap} for dicts, {@link ArrayList} for lists,
 * {@code Object[]} for tuples, {@link String}, {@link Long} ({@link BigInteger} when larger),
 * {@link Double}, {@link Boolean}, {@code byte[]}, null, and {@link TensorRef} placeholders that
 * {@link PthReader} later replaces by tensors (no storage is read while unpickling).
 */
final class RestrictedUnpickler {
    /** A reference to a global the allow-list admits (a value; calling it is interpreted by REDUCE). */
    record Global(String module, String name) {
        String qualified() { return module + "." + name; }
    }

    /** A storage named by a persistent id: zip entry {@code data/<key>}, element type and count. */
    record StorageRef(String key, ElementType type, long numel, String storageClass) {}

    /** A tensor to rebuild: a strided view of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    private static final Map<String, ElementType> STORAGES = Map.of(
            "FloatStorage", ElementType.F32, "DoubleStorage", ElementType.F64, "HalfStorage", ElementType.F16,
            "BFloat16Storage", ElementType.BF16, "LongStorage", ElementType.I64, "IntStorage", ElementType.I32,
            "ShortStorage", ElementType.I16, "CharStorage", ElementType.I8, "ByteStorage", ElementType.U8,
            "BoolStorage", ElementType.BOOL);

    private static final Set<String> DTYPES = Set.of("float32", "float", "float64", "double", "float16", "half",
            "bfloat16", "int64", "long", "int32", "int", "int16", "short", "int8", "uint8", "bool");

    private static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.Size",
            "_codecs.encode");

    private final byte[] p;
    private final String file;
    private final String what;
    private int pos;
    private int opAt;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(byte[] pickle, String file, String what) {
        this.p = pickle;
        this.file = file;
        this.what = what;
    }

    /**
     * Unpickles {@code pickle}; {@code file} and {@code what} (the entry, e.g. {@code data.pkl}) name it in errors.
     */
    static Object load(byte[] pickle, String file, String what) throws TensorFileException {
        return new RestrictedUnpickler(pickle, file, what).run();
    }

    /** Whether {@code module.name} is on the allow-list. */
    static boolean allowed(String module, String name) {
        if (module.equals("torch")) return STORAGES.containsKey(name) || DTYPES.contains(name) || name.equals("Size");
        return ALLOWED.contains(module + "." + name);
    }

    private Object run() throws TensorFileException {
        while (true) {
            if (pos >= p.length) throw bad("truncated pickle: ended at byte " + pos + " without a STOP opcode");
            opAt = pos;
            int op = p[pos++] & 0xff;
            switch (op) {
                case 0x80 -> u8(); // PROTO: any version; unknown opcodes are rejected below anyway
                case 0x95 -> bytes(8); // FRAME: framing is only a hint for buffered readers
                case '.' -> { // STOP
                    Object v = pop();
                    if (!marks.isEmpty()) throw bad("bad pickle: unclosed MARK at STOP");
                    return v;
                }
                case '(' -> marks.add(stack.size()); // MARK
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(new Object[0]); // EMPTY_TUPLE
                case 'd' -> push(dictOf(popMark())); // DICT
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 't' -> push(popMark().toArray()); // TUPLE
                case 0x85 -> push(new Object[] {pop()}); // TUPLE1
                case 0x86 -> { Object b = pop(), a = pop(); push(new Object[] {a, b}); } // TUPLE2
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(new Object[] {a, b, c}); } // TUPLE3
                case 'N' -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) le(4, true)); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push(le(2, false)); // BININT2
                case 0x8a -> push(longOf(bytes(u8()))); // LONG1
                case 0x8b -> push(longOf(bytes(length(le(4, true))))); // LONG4
                case 'G' -> push(Double.longBitsToDouble(be8())); // BINFLOAT
                case 'X' -> push(utf8(bytes(length(le(4, false))))); // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(length(le(8, false))))); // BINUNICODE8
                case 'T' -> push(new String(bytes(length(le(4, true))), StandardCharsets.ISO_8859_1)); // BINSTRING
                case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING
                case 'B' -> push(bytes(length(le(4, false)))); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(length(le(8, false)))); // BINBYTES8
                case 's' -> { Object v = pop(), k = pop(); dict(peek()).put(k, v); } // SETITEM
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) throw bad("bad pickle: SETITEMS with an odd number of items");
                    Map<Object, Object> m = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                }
                case 'a' -> { Object v = pop(); list(peek()).add(v); } // APPEND
                case 'e' -> { List<Object> items = popMark(); list(peek()).addAll(items); } // APPENDS
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(le(4, false))); // LONG_BINGET
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(le(4, false), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n))
                        throw bad("bad pickle: STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 'i' -> { // INST: refuse the class by name, then refuse the opcode
                    global(line(), line());
                    throw unsupported(op);
                }
                case 'R' -> { Object args = pop(), fn = pop(); push(reduce(fn, args)); } // REDUCE
                case 0x81 -> { Object args = pop(), cls = pop(); push(newObj(cls, args)); } // NEWOBJ
                case 'b' -> { Object state = pop(); build(peek(), state); } // BUILD
                case 'Q' -> push(persistent(pop())); // BINPERSID
                default -> throw unsupported(op);
            }
        }
    }

    // ------------------------------------------------------------------ globals and calls

    private Global global(String module, String name) throws TensorFileException {
        if (!allowed(module, name))
            throw new TensorFileException(file, "refusing to load global " + module + "." + name + " from " + what
                    + ": only state-dict constructs are allowed (byte " + opAt + ")");
        return new Global(module, name);
    }

    private Object reduce(Object fn, Object args) throws TensorFileException {
        if (!(fn instanceof Global g)) throw bad("bad pickle: REDUCE on a non-callable " + typeName(fn));
        Object[] a = tuple(args, "arguments of " + g.qualified());
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (a.length > 1) throw bad("OrderedDict called with " + a.length + " arguments");
                if (a.length == 1 && a[0] != null) {
                    if (a[0] instanceof Map<?, ?> src) m.putAll(src);
                    else for (Object pair : list(a[0])) {
                        Object[] kv = tuple(pair, "an OrderedDict item");
                        if (kv.length != 2) throw bad("OrderedDict item of length " + kv.length);
                        m.put(kv[0], kv[1]);
                    }
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (a.length < 4) throw bad("_rebuild_tensor_v2 needs at least 4 arguments, got " + a.length);
                if (!(a[0] instanceof StorageRef s)) throw bad("_rebuild_tensor_v2: first argument is a " + typeName(a[0]) + ", not a storage");
                if (!(a[1] instanceof Long offset)) throw bad("_rebuild_tensor_v2: storage offset is a " + typeName(a[1]));
                return new TensorRef(s, offset, longs(a[2], "size"), longs(a[3], "stride"));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.length < 1 || !(a[0] instanceof TensorRef t)) throw bad(g.name() + ": first argument is not a tensor");
                return t; // requires_grad, hooks and python state do not matter to a loaded value
            }
            case "torch.Size" -> {
                if (a.length != 1) throw bad("torch.Size called with " + a.length + " arguments");
                return a[0] instanceof List<?> l ? l.toArray() : tuple(a[0], "torch.Size argument").clone();
            }
            case "_codecs.encode" -> {
                if (a.length < 1 || !(a[0] instanceof String s)) throw bad("_codecs.encode needs a string");
                String enc = a.length > 1 && a[1] instanceof String e ? e.toLowerCase() : "utf-8";
                return switch (enc) {
                    case "latin1", "latin-1", "iso-8859-1" -> s.getBytes(StandardCharsets.ISO_8859_1);
                    case "utf-8", "utf8" -> s.getBytes(StandardCharsets.UTF_8);
                    case "ascii" -> s.getBytes(StandardCharsets.US_ASCII);
                    default -> throw bad("_codecs.encode with unsupported encoding " + enc);
                };
            }
            default -> throw bad("global " + g.qualified() + " is not callable here");
        }
    }

    private Object newObj(Object cls, Object args) throws TensorFileException {
        if (cls instanceof Global g && g.qualified().equals("collections.OrderedDict")) return reduce(cls, args);
        throw bad("bad pickle: NEWOBJ of " + (cls instanceof Global g ? g.qualified() : typeName(cls)) + " is not supported");
    }

    private void build(Object target, Object state) throws TensorFileException {
        // OrderedDict attributes (a state dict's _metadata) and tensor python state are not needed.
        if (target instanceof Map<?, ?> || target instanceof TensorRef) return;
        throw bad("bad pickle: BUILD on a " + typeName(target) + " is not supported");
    }

    private StorageRef persistent(Object pid) throws TensorFileException {
        Object[] t = pid instanceof Object[] a ? a : null;
        if (t == null || t.length != 5 || !"storage".equals(t[0]))
            throw bad("unsupported persistent id " + describe(pid) + ": expected ('storage', type, key, location, numel)");
        if (!(t[1] instanceof Global g) || !g.module().equals("torch") || !STORAGES.containsKey(g.name()))
            throw bad("unsupported storage type " + describe(t[1]));
        if (!(t[2] instanceof String key)) throw bad("storage key is a " + typeName(t[2]));
        if (!(t[4] instanceof Long numel) || numel < 0) throw bad("storage size " + describe(t[4]) + " is not a count");
        return new StorageRef(key, STORAGES.get(g.name()), numel, g.name());
    }

    // ------------------------------------------------------------------ stack helpers

    private void push(Object v) { stack.add(v); }

    private Object pop() throws TensorFileException {
        if (stack.isEmpty() || (!marks.isEmpty() && stack.size() <= marks.getLast()))
            throw bad("bad pickle: stack underflow at opcode " + opName(p[opAt] & 0xff) + " (byte " + opAt + ")");
        return stack.removeLast();
    }

    private Object peek() throws TensorFileException {
        if (stack.isEmpty()) throw bad("bad pickle: empty stack at opcode " + opName(p[opAt] & 0xff) + " (byte " + opAt + ")");
        return stack.getLast();
    }

    private List<Object> popMark() throws TensorFileException {
        if (marks.isEmpty()) throw bad("bad pickle: no MARK for opcode " + opName(p[opAt] & 0xff) + " (byte " + opAt + ")");
        int m = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Object memoGet(long i) throws TensorFileException {
        if (!memo.containsKey(i)) throw bad("bad pickle: memo entry " + i + " read before it was written (byte " + opAt + ")");
        return memo.get(i);
    }

    private Map<Object, Object> dictOf(List<Object> items) throws TensorFileException {
        if (items.size() % 2 != 0) throw bad("bad pickle: DICT with an odd number of items");
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
        return m;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws TensorFileException {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw bad("bad pickle: setting items on a " + typeName(o) + " (byte " + opAt + ")");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws TensorFileException {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw bad("bad pickle: appending to a " + typeName(o) + " (byte " + opAt + ")");
    }

    private Object[] tuple(Object o, String of) throws TensorFileException {
        if (o instanceof Object[] a) return a;
        throw bad(of + " is a " + typeName(o) + ", not a tuple");
    }

    private long[] longs(Object o, String of) throws TensorFileException {
        Object[] a = tuple(o, "tensor " + of);
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            if (!(a[i] instanceof Long v)) throw bad("tensor " + of + " " + describe(o) + " holds a " + typeName(a[i]));
            r[i] = v;
        }
        return r;
    }

    // ------------------------------------------------------------------ byte helpers

    private int u8() throws TensorFileException {
        need(1);
        return p[pos++] & 0xff;
    }

    private long le(int n, boolean signed) throws TensorFileException {
        need(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (p[pos + i] & 0xff);
        pos += n;
        if (signed && n < 8) v = (v << (64 - 8 * n)) >> (64 - 8 * n);
        return v;
    }

    private long be8() throws TensorFileException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (p[pos + i] & 0xff);
        pos += 8;
        return v;
    }

    private int length(long n) throws TensorFileException {
        if (n < 0 || n > p.length - pos)
            throw bad("truncated pickle: opcode " + opName(p[opAt] & 0xff) + " at byte " + opAt + " declares " + n
                    + " bytes but only " + (p.length - pos) + " remain");
        return (int) n;
    }

    private byte[] bytes(int n) throws TensorFileException {
        need(n);
        byte[] r = new byte[n];
        System.arraycopy(p, pos, r, 0, n);
        pos += n;
        return r;
    }

    private String line() throws TensorFileException {
        int start = pos;
        while (pos < p.length && p[pos] != '\n') pos++;
        if (pos >= p.length) throw bad("truncated pickle: unterminated GLOBAL name at byte " + opAt);
        String s = new String(p, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private void need(int n) throws TensorFileException {
        if (p.length - pos < n)
            throw bad("truncated pickle: opcode " + opName(p[opAt] & 0xff) + " at byte " + opAt + " needs " + n
                    + " more bytes, " + (p.length - pos) + " remain");
    }

    private static Object longOf(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger b = new BigInteger(be);
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private static String utf8(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    // ------------------------------------------------------------------ errors

    private TensorFileException bad(String problem) {
        return new TensorFileException(file, what + ": " + problem);
    }

    private TensorFileException unsupported(int op) {
        return bad("unsupported pickle opcode " + opName(op) + " at byte " + opAt
                + ": only the binary opcodes torch.save writes for state dicts are implemented");
    }

    private static String opName(int op) {
        String hex = String.format("0x%02x", op);
        return op >= 0x20 && op < 0x7f ? "'" + (char) op + "' (" + hex + ")" : hex;
    }

    private static String typeName(Object o) {
        return switch (o) {
            case null -> "None";
            case Object[] a -> "tuple";
            case Global g -> "global " + g.qualified();
            case StorageRef s -> "storage";
            case TensorRef t -> "tensor";
            default -> o.getClass().getSimpleName();
        };
    }

    private static String describe(Object o) {
        if (o instanceof Object[] a) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < a.length; i++) b.append(i > 0 ? ", " : "").append(describe(a[i]));
            return b.append(a.length == 1 ? ",)" : ")").toString();
        }
        if (o instanceof String s) return "'" + s + "'";
        if (o instanceof Global g) return g.qualified();
        return String.valueOf(o);
    }
}
