package dev.sparkj.tensor;

import java.util.Arrays;

/**
 * An n-dimensional strided view over a {@link Storage}: shape, strides (in elements), offset, dtype and
 * the {@link Backend} that computes on it. Views (reshape, permute, slice, expand) share storage;
 * every operation returns a new tensor and never modifies its inputs, except the methods named
 * {@code ...InPlace} / {@code copyFrom} / {@code fill}.
 *
 * <p>The logical layout follows PyTorch (images are {@code [N, C, H, W]}); the memory layout is free:
 * {@link #toChannelsLast()} stores the same logical tensor as NHWC, and elementwise results keep the
 * memory order of their first dense operand, so channels-last propagates through a network.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private final Backend backend;

    /** A view; no checks beyond ranks (use the factories for fresh tensors). */
    public Tensor(Storage storage, int[] shape, int[] strides, int offset, Backend backend) {
        if (shape.length != strides.length) throw new IllegalArgumentException("shape/strides rank mismatch");
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.backend = backend;
    }

    // =================================================================== factories

    /** A zero-filled, row-major tensor. */
    public static Tensor zeros(DType dtype, Backend backend, int... shape) {
        int[] s = shape.clone();
        return new Tensor(backend.allocate(dtype, Shapes.numel(s)), s, Shapes.contiguousStrides(s), 0, backend);
    }

    /** A zero-filled F32 tensor on the default backend. */
    public static Tensor zeros(int... shape) { return zeros(DType.F32, Backends.defaultBackend(), shape); }

    public static Tensor zeros(DType dtype, int... shape) { return zeros(dtype, Backends.defaultBackend(), shape); }

    public static Tensor full(double value, DType dtype, Backend backend, int... shape) {
        Tensor t = zeros(dtype, backend, shape);
        if (value != 0) backend.fill(t, value);
        return t;
    }

    public static Tensor ones(int... shape) { return full(1, DType.F32, Backends.defaultBackend(), shape); }

    /** A 0-d tensor. */
    public static Tensor scalar(double v, DType dtype, Backend backend) { return full(v, dtype, backend); }

    public static Tensor scalar(double v) { return scalar(v, DType.F32, Backends.defaultBackend()); }

    /** Wraps {@code data} (not copied) as a row-major F32 tensor on the default backend. */
    public static Tensor of(float[] data, int... shape) { return wrap(HeapStorage.wrap(data), shape); }

    public static Tensor of(double[] data, int... shape) { return wrap(HeapStorage.wrap(data), shape); }

    public static Tensor ofLongs(long[] data, int... shape) { return wrap(HeapStorage.wrap(data), shape); }

    public static Tensor ofBytes(byte[] data, DType dtype, int... shape) { return wrap(HeapStorage.wrap(data, dtype), shape); }

    private static Tensor wrap(HeapStorage s, int[] shape) {
        int[] sh = shape.clone();
        if (Shapes.numel(sh) != s.length())
            throw new IllegalArgumentException(s.length() + " values do not fill shape " + Shapes.str(sh));
        return new Tensor(s, sh, Shapes.contiguousStrides(sh), 0, Backends.defaultBackend());
    }

    /** {@code [0, 1, ..., n-1]} as I64. */
    public static Tensor arange(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return ofLongs(a, n);
    }

    /**
     * A tensor of this tensor's shape and given dtype, dense in the same memory order when this is dense, for an
     * output about to be fully overwritten: its contents are unspecified (zeros, or a recycled array's old values
     * inside a {@link Recycler} scope).
     */
    public Tensor emptyLike(DType dtype) {
        int[] order = memoryOrder(), st = Shapes.contiguousStrides(shape); // row-major unless this is dense
        if (order != null) {
            int acc = 1;
            for (int i = order.length - 1; i >= 0; i--) {
                st[order[i]] = acc;
                acc *= Math.max(shape[order[i]], 1);
            }
        }
        return uninitialized(dtype, backend, shape, st);
    }

    /** {@link #emptyLike(DType)} in this tensor's dtype. */
    public Tensor emptyLike() { return emptyLike(dtype()); }

    /**
     * The axes from outermost to innermost in memory when this view is dense and non-overlapping
     * (a permutation of a row-major block), else null.
     */
    int[] memoryOrder() {
        int n = shape.length;
        Integer[] ax = new Integer[n];
        for (int i = 0; i < n; i++) ax[i] = i;
        Arrays.sort(ax, (p, q) -> {
            int c = Integer.compare(strides[q], strides[p]);
            return c != 0 ? c : Integer.compare(p, q);
        });
        int acc = 1;
        for (int i = n - 1; i >= 0; i--) {
            int a = ax[i];
            if (shape[a] == 1) continue;
            if (strides[a] != acc) return null;
            acc *= shape[a];
        }
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = ax[i];
        return r;
    }

    // =================================================================== metadata

    public DType dtype() { return storage.dtype(); }
    public int[] shape() { return shape.clone(); }
    public int shape(int axis) { return shape[Shapes.axis(axis, shape.length)]; }
    public int rank() { return shape.length; }
    public int numel() { return Shapes.numel(shape); }
    public int[] strides() { return strides.clone(); }
    public int stride(int axis) { return strides[Shapes.axis(axis, shape.length)]; }
    public int offset() { return offset; }
    public Storage storage() { return storage; }
    public Backend backend() { return backend; }

    /** Row-major and starting at element 0 of its own extent (offset may be non-zero). */
    public boolean isContiguous() {
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != acc) return false;
            acc *= shape[i];
        }
        return true;
    }

    /** Dense and non-overlapping in some axis order. */
    public boolean isDense() { return memoryOrder() != null; }

    /** A 4-D tensor stored NHWC (channels innermost). */
    public boolean isChannelsLast() {
        if (shape.length != 4) return false;
        int n = shape[0], c = shape[1], h = shape[2], w = shape[3];
        return (c == 1 || strides[1] == 1) && (w == 1 || strides[3] == c) && (h == 1 || strides[2] == w * c)
                && (n == 1 || strides[0] == h * w * c);
    }

    @Override
    public String toString() {
        return "Tensor" + Shapes.str(shape) + " " + dtype() + " on " + backend.name();
    }

    // =================================================================== element access (heap storages)

    private HeapStorage heap() {
        if (storage instanceof HeapStorage h) return h;
        return (HeapStorage) to(Backends.cpu()).storage;
    }

    /** Storage index of a multi-index. */
    public int indexOf(int... idx) {
        if (idx.length != shape.length) throw new IllegalArgumentException("index rank " + idx.length + " for shape " + Shapes.str(shape));
        int o = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " for shape " + Shapes.str(shape));
            o += idx[i] * strides[i];
        }
        return o;
    }

    /** One element as a double. */
    public double get(int... idx) { return heap().get(indexOf(idx)); }

    /** Writes one element (heap storages only). */
    public void set(double v, int... idx) {
        if (!(storage instanceof HeapStorage h)) throw new UnsupportedOperationException("set on device tensor");
        h.set(indexOf(idx), v);
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel() != 1) throw new IllegalStateException("item() on tensor of shape " + Shapes.str(shape));
        return heap().get(offset);
    }

    /** A row-major copy of the values as floats. */
    public float[] toFloatArray() { return contiguousHeap(DType.F32).f32(); }

    public double[] toDoubleArray() { return contiguousHeap(DType.F64).f64(); }

    public long[] toLongArray() { return contiguousHeap(DType.I64).i64(); }

    public byte[] toByteArray() { return contiguousHeap(DType.U8).u8(); }

    private HeapStorage contiguousHeap(DType dt) {
        Tensor t = zeros(dt, Backends.cpu(), shape);
        Tensor src = storage instanceof HeapStorage ? this.withBackend(Backends.cpu()) : this.to(Backends.cpu());
        Backends.cpu().copy(src, t);
        return (HeapStorage) t.storage;
    }

    /** The same view computed by another backend; copies only when the storages live on different devices. */
    public Tensor to(Backend target) {
        if (target == backend) return this;
        if (storage instanceof HeapStorage && target.heapResident()) return withBackend(target);
        Tensor dst = zeros(dtype(), target, shape);
        if (storage instanceof HeapStorage) {
            target.copy(withBackend(target), dst); // a device backend accepts heap sources in copy
        } else {
            backend.copy(this, dst.withBackend(backend));
        }
        return dst;
    }

    private Tensor withBackend(Backend b) { return new Tensor(storage, shape, strides, offset, b); }

    // =================================================================== views

    /** Same elements in a new shape; one dimension may be -1. A view when the strides allow, else a copy. */
    public Tensor reshape(int... newShape) {
        int[] ns = inferShape(newShape);
        int[] st = viewStrides(ns);
        if (st != null) return new Tensor(storage, ns, st, offset, backend);
        return contiguous().reshape(ns);
    }

    /** Like reshape but fails instead of copying. */
    public Tensor view(int... newShape) {
        int[] ns = inferShape(newShape);
        int[] st = viewStrides(ns);
        if (st == null) throw new IllegalStateException("cannot view " + Shapes.str(shape) + " with strides " + Arrays.toString(strides) + " as " + Shapes.str(ns));
        return new Tensor(storage, ns, st, offset, backend);
    }

    private int[] inferShape(int[] newShape) {
        int[] ns = newShape.clone();
        int infer = -1;
        long prod = 1;
        for (int i = 0; i < ns.length; i++) {
            if (ns[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("two -1 in shape " + Arrays.toString(newShape));
                infer = i;
            } else prod *= ns[i];
        }
        int n = numel();
        if (infer >= 0) {
            if (prod == 0 || n % prod != 0) throw new IllegalArgumentException("cannot reshape " + Shapes.str(shape) + " to " + Arrays.toString(newShape));
            ns[infer] = (int) (n / prod);
        }
        if (Shapes.numel(ns) != n) throw new IllegalArgumentException("cannot reshape " + Shapes.str(shape) + " (" + n + " elements) to " + Arrays.toString(newShape));
        return ns;
    }

    /** Strides for viewing this tensor as {@code ns} without copying, or null (PyTorch's computeStride). */
    private int[] viewStrides(int[] ns) {
        int[] newStrides = new int[ns.length];
        if (numel() == 0) return Shapes.contiguousStrides(ns);
        int viewD = ns.length - 1;
        int chunkBase = strides.length > 0 ? strides[strides.length - 1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || ns[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= ns[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            while (viewD >= 0) { // trailing size-1 dims of the view
                if (ns[viewD] != 1) return null;
                newStrides[viewD] = 1;
                viewD--;
            }
        }
        return newStrides;
    }

    public Tensor flatten() { return reshape(-1); }

    /** Axes reordered: result axis i is this tensor's axis {@code dims[i]}. */
    public Tensor permute(int... dims) {
        if (dims.length != shape.length) throw new IllegalArgumentException("permute " + Arrays.toString(dims) + " for rank " + shape.length);
        int[] ns = new int[dims.length], st = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int d = Shapes.axis(dims[i], shape.length);
            if (seen[d]) throw new IllegalArgumentException("repeated axis in permute " + Arrays.toString(dims));
            seen[d] = true;
            ns[i] = shape[d];
            st[i] = strides[d];
        }
        return new Tensor(storage, ns, st, offset, backend);
    }

    public Tensor transpose(int a, int b) {
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) p[i] = i;
        a = Shapes.axis(a, shape.length);
        b = Shapes.axis(b, shape.length);
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** Elements {@code start, start+step, ... < end} along axis (a view). */
    public Tensor slice(int axis, int start, int end, int step) {
        int a = Shapes.axis(axis, shape.length);
        if (step < 1) throw new IllegalArgumentException("slice step " + step);
        if (start < 0) start += shape[a];
        if (end < 0) end += shape[a];
        start = Math.max(0, Math.min(start, shape[a]));
        end = Math.max(start, Math.min(end, shape[a]));
        int[] ns = shape.clone(), st = strides.clone();
        ns[a] = (end - start + step - 1) / step;
        st[a] = strides[a] * step;
        return new Tensor(storage, ns, st, offset + start * strides[a], backend);
    }

    public Tensor slice(int axis, int start, int end) { return slice(axis, start, end, 1); }

    /** Index {@code i} along axis, removing the axis (a view). */
    public Tensor select(int axis, int i) {
        int a = Shapes.axis(axis, shape.length);
        if (i < 0) i += shape[a];
        if (i < 0 || i >= shape[a]) throw new IndexOutOfBoundsException("index " + i + " on axis " + a + " of " + Shapes.str(shape));
        return slice(a, i, i + 1).squeeze(a);
    }

    public Tensor squeeze(int axis) {
        int a = Shapes.axis(axis, shape.length);
        if (shape[a] != 1) throw new IllegalArgumentException("squeeze of axis " + a + " with size " + shape[a]);
        int[] ns = new int[shape.length - 1], st = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != a) { ns[j] = shape[i]; st[j++] = strides[i]; }
        return new Tensor(storage, ns, st, offset, backend);
    }

    public Tensor unsqueeze(int axis) {
        int a = Shapes.axis(axis, shape.length + 1);
        int[] ns = new int[shape.length + 1], st = new int[shape.length + 1];
        for (int i = 0, j = 0; i < ns.length; i++) {
            if (i == a) { ns[i] = 1; st[i] = i < shape.length ? strides[i] * shape[i] : 1; }
            else { ns[i] = shape[j]; st[i] = strides[j++]; }
        }
        return new Tensor(storage, ns, st, offset, backend);
    }

    /** Broadcasts to {@code target} (NumPy rules) as a view with stride 0 on repeated axes. */
    public Tensor expand(int... target) {
        if (Arrays.equals(target, shape)) return this;
        if (target.length < shape.length) throw new IllegalArgumentException("cannot expand " + Shapes.str(shape) + " to " + Arrays.toString(target));
        int lead = target.length - shape.length;
        int[] st = new int[target.length];
        for (int i = 0; i < target.length; i++) {
            if (i < lead) { st[i] = 0; continue; }
            int d = shape[i - lead];
            if (d == target[i]) st[i] = strides[i - lead];
            else if (d == 1) st[i] = 0;
            else throw new IllegalArgumentException("cannot expand " + Shapes.str(shape) + " to " + Arrays.toString(target));
        }
        return new Tensor(storage, target.clone(), st, offset, backend);
    }

    /** This tensor if row-major, else a row-major copy. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        Tensor out = empty(dtype(), backend, shape);
        backend.copy(this, out);
        return out;
    }

    /** A copy in this tensor's memory order (or row-major). */
    public Tensor copy() {
        Tensor out = emptyLike();
        backend.copy(this, out);
        return out;
    }

    /** The same logical 4-D tensor stored NHWC; this tensor if it already is. */
    public Tensor toChannelsLast() {
        if (shape.length != 4) throw new IllegalArgumentException("channels-last needs a 4-D tensor, got " + Shapes.str(shape));
        if (isChannelsLast()) return this;
        Tensor nhwc = empty(dtype(), backend, shape[0], shape[2], shape[3], shape[1]).permute(0, 3, 1, 2);
        backend.copy(this, nhwc);
        return nhwc;
    }

    /** Converts the element type (a copy, in this tensor's memory order). */
    public Tensor cast(DType dt) {
        if (dt == dtype()) return this;
        Tensor out = emptyLike(dt);
        backend.copy(this, out);
        return out;
    }

    /** In place: copies {@code src} (broadcast to this shape) into this view. Returns this. */
    public Tensor copyFrom(Tensor src) {
        backend.copy(src.to(backend).expand(shape), this);
        return this;
    }

    /**
     * In place: {@code this += o} ({@code o} broadcast to this shape), for a tensor the caller has just made
     * and nothing else references (a fresh op output gets its bias without a second output array). Returns this.
     */
    public Tensor addInPlace(Tensor o) {
        backend.binary(BinaryOp.ADD, this, o.to(backend).expand(shape), this);
        return this;
    }

    /** In place: every element set to v. Returns this. */
    public Tensor fill(double v) {
        backend.fill(this, v);
        return this;
    }

    /** Concatenation along an existing axis. */
    public static Tensor cat(int axis, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("cat of nothing");
        int a = Shapes.axis(axis, ts[0].rank());
        int[] ns = ts[0].shape();
        int total = 0;
        for (Tensor t : ts) {
            if (t.rank() != ns.length) throw new IllegalArgumentException("cat of ranks " + ns.length + " and " + t.rank());
            for (int i = 0; i < ns.length; i++)
                if (i != a && t.shape[i] != ns[i]) throw new IllegalArgumentException("cat: shape " + Shapes.str(t.shape) + " vs " + Shapes.str(ns) + " off axis " + a);
            total += t.shape[a];
        }
        ns[a] = total;
        Tensor out = zeros(ts[0].dtype(), ts[0].backend, ns);
        int at = 0;
        for (Tensor t : ts) {
            out.slice(a, at, at + t.shape[a]).copyFrom(t);
            at += t.shape[a];
        }
        return out;
    }

    /** Stacks equal-shaped tensors along a new axis. */
    public static Tensor stack(int axis, Tensor... ts) {
        Tensor[] u = new Tensor[ts.length];
        for (int i = 0; i < ts.length; i++) u[i] = ts[i].unsqueeze(axis);
        return cat(axis, u);
    }

    // =================================================================== elementwise

    public Tensor map(UnaryOp op) {
        if (!dtype().isFloating()) throw new IllegalArgumentException(op + " needs a floating tensor, got " + dtype());
        Tensor out = emptyLike();
        backend.unary(op, this, out);
        return out;
    }

    public Tensor neg() { return map(UnaryOp.NEG); }
    public Tensor abs() { return map(UnaryOp.ABS); }
    public Tensor exp() { return map(UnaryOp.EXP); }
    public Tensor log() { return map(UnaryOp.LOG); }
    public Tensor sqrt() { return map(UnaryOp.SQRT); }
    public Tensor rsqrt() { return map(UnaryOp.RSQRT); }
    public Tensor reciprocal() { return map(UnaryOp.RECIPROCAL); }
    public Tensor square() { return map(UnaryOp.SQUARE); }
    public Tensor sign() { return map(UnaryOp.SIGN); }
    public Tensor relu() { return map(UnaryOp.RELU); }
    public Tensor relu6() { return map(UnaryOp.RELU6); }
    public Tensor sigmoid() { return map(UnaryOp.SIGMOID); }
    public Tensor tanh() { return map(UnaryOp.TANH); }
    public Tensor erf() { return map(UnaryOp.ERF); }
    public Tensor gelu() { return map(UnaryOp.GELU); }

    /** {@code op(this, other)} with NumPy broadcasting; comparisons give BOOL. */
    public Tensor apply(BinaryOp op, Tensor other) {
        Tensor o = other.to(backend);
        DType dt = DType.promote(dtype(), o.dtype());
        Tensor a = this.cast(dt), b = o.cast(dt);
        int[] os = Shapes.broadcast(a.shape, b.shape);
        Tensor out;
        DType outType = op.isComparison() ? DType.BOOL : dt;
        if (Arrays.equals(os, a.shape) && a.isDense()) out = a.emptyLike(outType);
        else if (Arrays.equals(os, b.shape) && b.isDense()) out = b.emptyLike(outType);
        else out = zeros(outType, backend, os);
        backend.binary(op, a.expand(os), b.expand(os), out);
        return out;
    }

    /** {@code op(this, scalar)} for arithmetic ops, keeping this tensor's dtype and memory order. */
    public Tensor apply(BinaryOp op, double scalar) {
        if (op.isComparison()) return apply(op, scalar(scalar, dtype(), backend));
        Tensor out = emptyLike();
        backend.binaryScalar(op, this, scalar, out);
        return out;
    }

    public Tensor add(Tensor o) { return apply(BinaryOp.ADD, o); }
    public Tensor sub(Tensor o) { return apply(BinaryOp.SUB, o); }
    public Tensor mul(Tensor o) { return apply(BinaryOp.MUL, o); }
    public Tensor div(Tensor o) { return apply(BinaryOp.DIV, o); }
    public Tensor maximum(Tensor o) { return apply(BinaryOp.MAX, o); }
    public Tensor minimum(Tensor o) { return apply(BinaryOp.MIN, o); }
    public Tensor pow(Tensor o) { return apply(BinaryOp.POW, o); }
    public Tensor add(double s) { return apply(BinaryOp.ADD, s); }
    public Tensor sub(double s) { return apply(BinaryOp.SUB, s); }
    public Tensor mul(double s) { return apply(BinaryOp.MUL, s); }
    public Tensor div(double s) { return apply(BinaryOp.DIV, s); }
    public Tensor pow(double s) { return apply(BinaryOp.POW, s); }
    public Tensor maximum(double s) { return apply(BinaryOp.MAX, s); }
    public Tensor minimum(double s) { return apply(BinaryOp.MIN, s); }
    public Tensor eq(Tensor o) { return apply(BinaryOp.EQ, o); }
    public Tensor ne(Tensor o) { return apply(BinaryOp.NE, o); }
    public Tensor lt(Tensor o) { return apply(BinaryOp.LT, o); }
    public Tensor le(Tensor o) { return apply(BinaryOp.LE, o); }
    public Tensor gt(Tensor o) { return apply(BinaryOp.GT, o); }
    public Tensor ge(Tensor o) { return apply(BinaryOp.GE, o); }
    public Tensor gt(double s) { return apply(BinaryOp.GT, s); }
    public Tensor lt(double s) { return apply(BinaryOp.LT, s); }
    public Tensor eq(double s) { return apply(BinaryOp.EQ, s); }

    public Tensor clamp(double lo, double hi) {
        Tensor out = emptyLike();
        backend.clamp(this, lo, hi, out);
        return out;
    }

    /** {@code cond ? a : b} with broadcasting of all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Backend be = a.backend;
        DType dt = DType.promote(a.dtype(), b.dtype());
        Tensor aa = a.cast(dt), bb = b.to(be).cast(dt);
        int[] os = Shapes.broadcast(Shapes.broadcast(cond.shape, aa.shape), bb.shape);
        Tensor out = Arrays.equals(os, aa.shape) && aa.isDense() ? aa.emptyLike() : zeros(dt, be, os);
        be.where(cond.to(be).expand(os), aa.expand(os), bb.expand(os), out);
        return out;
    }

    // =================================================================== reductions

    private Tensor reduceOut(int[] ax, DType dt) {
        int[] os = shape.clone();
        for (int a : ax) os[a] = 1;
        return zeros(dt, backend, os);
    }

    private Tensor dropAxes(Tensor t, int[] ax, boolean keepDim) {
        if (keepDim) return t;
        int[] ns = new int[shape.length - ax.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < ax.length && ax[k] == i) { k++; continue; }
            ns[j++] = shape[i];
        }
        return t.reshape(ns);
    }

    private static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i;
        return a;
    }

    public Tensor reduce(ReduceOp op, int[] axes, boolean keepDim) {
        int[] ax = Shapes.axes(axes, shape.length);
        DType dt = dtype();
        if (op == ReduceOp.MEAN && !dt.isFloating()) dt = DType.F64;
        else if (op == ReduceOp.SUM && (dt == DType.BOOL || dt == DType.U8)) dt = DType.I64; // counts, as torch
        Tensor out = reduceOut(ax, dt);
        backend.reduce(op, this, ax, out);
        return dropAxes(out, ax, keepDim);
    }

    public Tensor sum(int[] axes, boolean keepDim) { return reduce(ReduceOp.SUM, axes, keepDim); }
    public Tensor mean(int[] axes, boolean keepDim) { return reduce(ReduceOp.MEAN, axes, keepDim); }
    public Tensor max(int[] axes, boolean keepDim) { return reduce(ReduceOp.MAX, axes, keepDim); }
    public Tensor min(int[] axes, boolean keepDim) { return reduce(ReduceOp.MIN, axes, keepDim); }
    /** Sum of all elements (0-d). */
    public Tensor sum() { return sum(allAxes(shape.length), false); }
    public Tensor mean() { return mean(allAxes(shape.length), false); }
    public Tensor max() { return max(allAxes(shape.length), false); }

    /** Variance with divisor {@code count - correction}. */
    public Tensor var(int[] axes, int correction, boolean keepDim) {
        int[] ax = Shapes.axes(axes, shape.length);
        Tensor out = reduceOut(ax, dtype());
        backend.variance(this, ax, correction, out);
        return dropAxes(out, ax, keepDim);
    }

    /** Index (I64) of the first maximum along axis. */
    public Tensor argmax(int axis, boolean keepDim) {
        int a = Shapes.axis(axis, shape.length);
        Tensor out = reduceOut(new int[]{a}, DType.I64);
        backend.argmax(this, a, out);
        return dropAxes(out, new int[]{a}, keepDim);
    }

    // =================================================================== linear algebra

    /**
     * Matrix product with NumPy semantics for ranks ≥ 2: {@code [..., M, K] @ [..., K, N]} with broadcast batch
     * axes; a 1-D operand is not supported (reshape it).
     */
    public Tensor matmul(Tensor other) {
        Tensor b = other.to(backend);
        if (rank() < 2 || b.rank() < 2) throw new IllegalArgumentException("matmul needs rank >= 2, got " + Shapes.str(shape) + " @ " + Shapes.str(b.shape));
        int m = shape[rank() - 2], k = shape[rank() - 1], k2 = b.shape[b.rank() - 2], n = b.shape[b.rank() - 1];
        if (k != k2) throw new IllegalArgumentException("matmul inner sizes differ: " + Shapes.str(shape) + " @ " + Shapes.str(b.shape));
        if (dtype() != b.dtype()) throw new IllegalArgumentException("matmul dtypes differ: " + dtype() + " vs " + b.dtype());
        int[] ba = Arrays.copyOf(shape, rank() - 2), bb = Arrays.copyOf(b.shape, b.rank() - 2);
        int[] batch = Shapes.broadcast(ba, bb);
        int nb = Shapes.numel(batch);
        int[] sa = Arrays.copyOf(batch, batch.length + 2), sb = sa.clone();
        sa[batch.length] = m; sa[batch.length + 1] = k;
        sb[batch.length] = k; sb[batch.length + 1] = n;
        Tensor a3 = expand(sa).reshape(nb, m, k), b3 = b.expand(sb).reshape(nb, k, n);
        Tensor out = empty(dtype(), backend, nb, m, n);
        backend.matmul(a3, b3, out);
        int[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = m; os[batch.length + 1] = n;
        return out.reshape(os);
    }

    // =================================================================== indexing

    public Tensor gather(int axis, Tensor index) {
        int a = Shapes.axis(axis, rank());
        Tensor out = zeros(dtype(), backend, index.shape);
        backend.gather(this, a, index.to(backend), out);
        return out;
    }

    /** A copy of this tensor with {@code src} scatter-added along axis at {@code index} (torch.scatter_add). */
    public Tensor scatterAdd(int axis, Tensor index, Tensor src) {
        Tensor out = copy();
        backend.scatterAdd(out, Shapes.axis(axis, rank()), index.to(backend), src.to(backend));
        return out;
    }

    /** Slices at {@code index} (1-D I64; -1 gives zeros) along axis. */
    public Tensor indexSelect(int axis, Tensor index) {
        int a = Shapes.axis(axis, rank());
        if (index.rank() != 1) throw new IllegalArgumentException("indexSelect needs a 1-D index, got " + Shapes.str(index.shape));
        int[] os = shape.clone();
        os[a] = index.shape[0];
        Tensor out = zeros(dtype(), backend, os);
        backend.indexSelect(this, a, index.to(backend), out);
        return out;
    }

    /** A copy of this tensor with slice i of src added at slice {@code index[i]} along axis (-1 skipped). */
    public Tensor indexAdd(int axis, Tensor index, Tensor src) {
        Tensor out = copy();
        backend.indexAdd(out, Shapes.axis(axis, rank()), index.to(backend), src.to(backend));
        return out;
    }

    // =================================================================== convolution and pooling

    private static void check4(Tensor t, String what) {
        if (t.rank() != 4) throw new IllegalArgumentException(what + " must be 4-D, got " + Shapes.str(t.shape));
    }

    /**
     * An output image whose every element the backend is about to write (its convolution kernels overwrite
     * their outputs), so it is not cleared first: clearing the recycled arrays of a SparK ResNet-50 step's
     * convolution and matmul outputs cost about 2.3 GB of memset per step.
     */
    private Tensor image(DType dt, int n, int c, int h, int w, boolean channelsLast) {
        if (channelsLast) return empty(dt, backend, n, h, w, c).permute(0, 3, 1, 2);
        return empty(dt, backend, n, c, h, w);
    }

    /** A row-major tensor whose contents are unspecified, for an output about to be fully overwritten. */
    private static Tensor empty(DType dtype, Backend backend, int... shape) {
        return uninitialized(dtype, backend, shape, Shapes.contiguousStrides(shape));
    }

    /** A tensor of {@code shape} with {@code strides} over new storage whose contents are unspecified. */
    private static Tensor uninitialized(DType dtype, Backend backend, int[] shape, int[] strides) {
        return new Tensor(backend.allocateUninitialized(dtype, Shapes.numel(shape)), shape.clone(), strides, 0, backend);
    }

    /** Convolution of this {@code [N, C, H, W]} input; the output keeps channels-last memory if the input has it. */
    public Tensor conv2d(Tensor w, Tensor bias, Conv2dSpec spec) {
        check4(this, "conv2d input");
        check4(w, "conv2d weight");
        int n = shape[0], c = shape[1], h = shape[2], wd = shape[3];
        int o = w.shape[0], kh = w.shape[2], kw = w.shape[3];
        if (c % spec.groups() != 0 || o % spec.groups() != 0 || w.shape[1] != c / spec.groups())
            throw new IllegalArgumentException("conv2d: input " + Shapes.str(shape) + " and weight " + Shapes.str(w.shape) + " with groups " + spec.groups());
        if (bias != null && (bias.rank() != 1 || bias.shape[0] != o))
            throw new IllegalArgumentException("conv2d bias " + Shapes.str(bias.shape) + " for " + o + " output channels");
        int ho = spec.outH(h, kh), wo = spec.outW(wd, kw);
        if (ho < 1 || wo < 1) throw new IllegalArgumentException("conv2d output would be empty for input " + Shapes.str(shape));
        Tensor out = image(dtype(), n, o, ho, wo, isChannelsLast());
        backend.conv2d(this, w.to(backend), bias == null ? null : bias.to(backend), spec, out);
        return out;
    }

    /** Input gradient of conv2d: this is gy {@code [N, O, HO, WO]}; returns gx of {@code inputShape}. */
    public Tensor conv2dBackwardInput(Tensor w, Conv2dSpec spec, int[] inputShape) {
        Tensor gx = image(dtype(), inputShape[0], inputShape[1], inputShape[2], inputShape[3], isChannelsLast());
        backend.conv2dBackwardInput(this, w.to(backend), spec, gx);
        return gx;
    }

    /**
     * Transposed convolution of this {@code [N, Cin, H, W]} input: {@link #conv2dBackwardInput} with w
     * {@code [Cin, Cout/g, KH, KW]}, plus bias {@code [Cout]} (null = none) at every pixel, output of shape
     * {@code outShape} (channels-last when this is).
     */
    public Tensor convTranspose2d(Tensor w, Tensor bias, Conv2dSpec spec, int[] outShape) {
        Tensor out = image(dtype(), outShape[0], outShape[1], outShape[2], outShape[3], isChannelsLast());
        backend.convTranspose2d(this, w.to(backend), bias == null ? null : bias.to(backend), spec, out);
        return out;
    }

    /** Weight gradient of conv2d: this is gy, {@code x} the forward input; returns gw of {@code weightShape}. */
    public Tensor conv2dBackwardWeight(Tensor x, Conv2dSpec spec, int[] weightShape) {
        Tensor gw = empty(dtype(), backend, weightShape);
        backend.conv2dBackwardWeight(x.to(backend), this, spec, gw);
        return gw;
    }

    /** Max-pool result: values and the flat in-plane index of each maximum. */
    public record MaxPool(Tensor values, Tensor argmax) {}

    public MaxPool maxPool2d(Pool2dSpec spec) {
        check4(this, "maxPool2d input");
        int ho = spec.outH(shape[2]), wo = spec.outW(shape[3]);
        Tensor out = image(dtype(), shape[0], shape[1], ho, wo, isChannelsLast());
        Tensor arg = image(DType.I64, shape[0], shape[1], ho, wo, isChannelsLast());
        backend.maxPool2d(this, spec, out, arg);
        return new MaxPool(out, arg);
    }

    /** This is gy; returns gx of {@code inputShape}. */
    public Tensor maxPool2dBackward(Tensor argmax, int[] inputShape) {
        Tensor gx = image(dtype(), inputShape[0], inputShape[1], inputShape[2], inputShape[3], isChannelsLast());
        backend.maxPool2dBackward(this, argmax.to(backend), gx);
        return gx;
    }

    public Tensor avgPool2d(Pool2dSpec spec) {
        check4(this, "avgPool2d input");
        Tensor out = image(dtype(), shape[0], shape[1], spec.outH(shape[2]), spec.outW(shape[3]), isChannelsLast());
        backend.avgPool2d(this, spec, out);
        return out;
    }

    /** This is gy; returns gx of {@code inputShape}. */
    public Tensor avgPool2dBackward(Pool2dSpec spec, int[] inputShape) {
        Tensor gx = image(dtype(), inputShape[0], inputShape[1], inputShape[2], inputShape[3], isChannelsLast());
        backend.avgPool2dBackward(this, spec, gx);
        return gx;
    }
}
