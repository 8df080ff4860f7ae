package dev.sparkj.tensor.io;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the pickle (protocol 2) of a checkpoint's {@code data.pkl}, using only the opcodes and
 * globals that {@code torch.load(weights_only=True)} accepts. Each tensor becomes a
 * {@code _rebuild_tensor_v2} call on its own contiguous storage, numbered in the order met;
 * {@link #storages()} lists them for the zip writer.
 */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Tensor> storages = new ArrayList<>();

    /** The tensors whose storages the pickle refers to, storage key {@code i} being element i. */
    List<Tensor> storages() { return storages; }

    /** The pickle of {@code root}: maps become dicts (or an OrderedDict at the top when asked), lists, tuples, scalars, tensors. */
    byte[] pickle(Object root, boolean orderedDictRoot) {
        out.write(0x80); // PROTO 2
        out.write(2);
        if (orderedDictRoot && root instanceof Map<?, ?> m) {
            global("collections", "OrderedDict");
            out.write(')'); // EMPTY_TUPLE
            out.write('R'); // REDUCE
            items(m);
        } else value(root);
        out.write('.'); // STOP
        return out.toByteArray();
    }

    private void value(Object v) {
        switch (v) {
            case null -> out.write('N');
            case Boolean b -> out.write(b ? 0x88 : 0x89);
            case Integer i -> integer(i);
            case Long l -> integer(l);
            case BigInteger b -> longOf(b);
            case Double d -> binfloat(d);
            case Float f -> binfloat(f);
            case String s -> unicode(s);
            case Tensor t -> tensor(t);
            case Map<?, ?> m -> {
                out.write('}'); // EMPTY_DICT
                items(m);
            }
            case List<?> l -> {
                out.write(']'); // EMPTY_LIST
                if (!l.isEmpty()) {
                    out.write('(');
                    for (Object o : l) value(o);
                    out.write('e'); // APPENDS
                }
            }
            case Object[] a -> {
                out.write('(');
                for (Object o : a) value(o);
                out.write('t'); // TUPLE
            }
            default -> throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName());
        }
    }

    private void items(Map<?, ?> m) {
        if (m.isEmpty()) return;
        out.write('(');
        for (Map.Entry<?, ?> e : m.entrySet()) {
            value(e.getKey());
            value(e.getValue());
        }
        out.write('u'); // SETITEMS
    }

    private void tensor(Tensor t) {
        String key = Integer.toString(storages.size());
        storages.add(t);
        global("torch._utils", "_rebuild_tensor_v2");
        out.write('(');
        out.write('('); // persistent id ('storage', torch.XStorage, key, 'cpu', numel)
        unicode("storage");
        global("torch", storageClass(t.dtype()));
        unicode(key);
        unicode("cpu");
        integer(t.numel());
        out.write('t');
        out.write('Q'); // BINPERSID
        integer(0); // storage offset
        int[] shape = t.shape();
        int[] strides = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) { strides[i] = acc; acc *= Math.max(shape[i], 1); }
        ints(shape);
        ints(strides);
        out.write(0x89); // requires_grad False
        global("collections", "OrderedDict"); // backward hooks: OrderedDict()
        out.write(')');
        out.write('R');
        out.write('t');
        out.write('R');
    }

    static String storageClass(DType d) {
        return switch (d) {
            case F32 -> "FloatStorage";
            case F64 -> "DoubleStorage";
            case I64 -> "LongStorage";
            case U8 -> "ByteStorage";
            case BOOL -> "BoolStorage";
        };
    }

    private void ints(int[] a) {
        out.write('(');
        for (int x : a) integer(x);
        out.write('t');
    }

    private void global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            out.write((int) v & 0xff);
            out.write((int) (v >>> 8) & 0xff);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            le(v, 4);
        } else longOf(BigInteger.valueOf(v));
    }

    private void longOf(BigInteger b) {
        byte[] be = b.toByteArray(); // two's complement, big-endian, minimal
        if (be.length > 255) throw new IllegalArgumentException("integer too large to pickle: " + b);
        out.write(0x8a); // LONG1
        out.write(be.length);
        for (int i = be.length - 1; i >= 0; i--) out.write(be[i]);
    }

    private void binfloat(double d) {
        out.write('G');
        long bits = Double.doubleToRawLongBits(d);
        for (int i = 7; i >= 0; i--) out.write((int) (bits >>> (8 * i)) & 0xff);
    }

    private void unicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le(b.length, 4);
        out.writeBytes(b);
    }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
    }
}
