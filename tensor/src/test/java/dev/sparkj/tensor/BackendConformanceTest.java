package dev.sparkj.tensor;

import dev.sparkj.tensor.Conformance.Layout;
import dev.sparkj.tensor.Conformance.Tol;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.sparkj.tensor.Conformance.REF;
import static dev.sparkj.tensor.Conformance.check;
import static dev.sparkj.tensor.Conformance.integers;
import static dev.sparkj.tensor.Conformance.normal;
import static dev.sparkj.tensor.Conformance.on;

/**
 * Every backend in {@link Backends#all()} (except the reference itself) against the double-precision
 * {@link dev.sparkj.tensor.ref.ReferenceBackend} on seeded random inputs: every primitive, every
 * {@link UnaryOp}, {@link BinaryOp} and {@link ReduceOp}, odd sizes, permuted / step-sliced /
 * channels-last views, stride-0 broadcasts, and the convolution and pooling geometries the models use.
 * Each backend x case is its own dynamic test.
 *
 * <p>Tolerances (see {@link Tol}): data movement, comparisons, where, clamp, max/min, argmax, pooling
 * maxima and their indices are exact. Elementwise arithmetic: 1e-6 relative per element (plus a
 * 1e-30 floor for subnormal results; binaryScalar 1e-7 |scalar| more, as the scalar is rounded to float
 * first, like PyTorch); GELU additionally 1e-10 absolute (the reference's
 * {@code 1 + erf} cancels in double far in the lower tail) and GELU_GRAD 1e-7 absolute (it crosses zero
 * near x = -0.75; the binary GELU_GRAD, gy times it, 5e-7 absolute). Sums and means: 1e-5 of the sum of |x| per output; variance 1e-5 relative. Matmul
 * and convolution: max |diff| at most {@code 2e-6 sqrt(K)} of max |reference|, K the length of each
 * dot product. Average pooling and scatter-style gradients: 1e-6 of max |reference|.
 */
class BackendConformanceTest {

    private record Case(String name, Consumer<Backend> body) {}

    @TestFactory
    Stream<DynamicNode> conformance() {
        List<Case> cases = cases();
        return Backends.all().stream().filter(b -> b != REF).map(b -> DynamicContainer.dynamicContainer(b.name(),
                cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> c.body().accept(b)))));
    }

    private static List<Case> cases() {
        List<Case> cs = new ArrayList<>();
        copies(cs);
        unaries(cs);
        binaries(cs);
        reductions(cs);
        matmuls(cs);
        indexing(cs);
        convolutions(cs);
        pools(cs);
        return cs;
    }

    private static Rng rng(String name) { return new Rng(name.hashCode()); }

    // ================================================================== data movement

    private static void copies(List<Case> cs) {
        int[][] shapes = {{3, 17, 33}, {2, 7, 5, 3}, {1}, {33}};
        for (int[] s : shapes)
            for (Layout l : Layout.values()) {
                if (l == Layout.CHANNELS_LAST && s.length != 4) continue;
                String name = "copy f32 " + Shapes.str(s) + " " + l;
                cs.add(new Case(name, b -> {
                    Tensor x = normal(rng(name), l, s);
                    check(b, Tol.EXACT, be -> on(x, be).contiguous());
                    if (s.length == 4) check(b, Tol.EXACT, be -> on(x, be).toChannelsLast());
                }));
            }
        cs.add(new Case("copy broadcast into strided destination", b -> {
            Rng r = rng("copy broadcast");
            Tensor src = r.normal(0, 1, 1, 7, 1, 1);
            check(b, Tol.EXACT, be -> {
                Tensor dst = Tensor.zeros(DType.F32, be, 3, 9, 5, 4).slice(1, 1, 8).permute(0, 2, 3, 1);
                dst = dst.permute(0, 3, 1, 2); // logical [3, 7, 5, 4] view with strides
                dst.copyFrom(on(src, be));
                return dst;
            });
        }));
        cs.add(new Case("add in place: broadcast bias into a fresh channels-last tensor", b -> {
            Rng r = rng("add in place");
            Tensor a = r.normal(0, 1, 2, 5, 3, 4), bias = r.normal(0, 1, 5);
            check(b, Tol.EXACT, be -> {
                Tensor y = on(a, be).toChannelsLast().mul(1.5), bv = on(bias, be).reshape(1, 5, 1, 1);
                Tensor want = y.add(bv);
                Tensor got = y.addInPlace(bv);
                if (got != y) throw new AssertionError("addInPlace must return its receiver");
                double diff = got.sub(want).square().sum().item();
                if (diff != 0) throw new AssertionError("addInPlace differs from add: squared difference " + diff);
                return got;
            });
        }));
        cs.add(new Case("cat and stack", b -> {
            Rng r = rng("cat");
            Tensor a = r.normal(0, 1, 2, 3, 5), c = r.normal(0, 1, 2, 4, 5);
            check(b, Tol.EXACT, be -> Tensor.cat(1, on(a, be), on(c, be)));
            check(b, Tol.EXACT, be -> Tensor.stack(0, on(a, be), on(a, be).mul(2)));
        }));
        // casts: every pair through the reference's conversion rules
        for (DType from : DType.values())
            for (DType to : DType.values()) {
                if (from == to && from != DType.F32) continue;
                String name = "cast " + from + " -> " + to;
                cs.add(new Case(name, b -> {
                    Rng r = rng(name);
                    float[] v = new float[17 * 9];
                    for (int i = 0; i < v.length; i++) v[i] = i % 5 == 0 ? 0f : (float) (r.nextGaussian() * 150); // wraps U8, truncates I64
                    Tensor f = Tensor.of(v, 17, 9);
                    Tensor src = f.cast(from).transpose(0, 1); // strided source
                    check(b, Tol.EXACT, be -> on(src, be).cast(to));
                }));
            }
        cs.add(new Case("fill strided views of every type", b -> {
            for (DType dt : DType.values())
                check(b, Tol.EXACT, be -> {
                    Tensor t = Tensor.zeros(dt, be, 5, 9);
                    t.slice(1, 1, 9, 3).fill(dt == DType.U8 ? 200 : -2.5);
                    return t;
                });
        }));
    }

    // ================================================================== elementwise

    private static Tol unaryTol(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SQUARE, SIGN, RELU, RELU6, SQRT -> Tol.EXACT;
            case GELU -> Tol.elementwise(1e-6, 1e-10);
            case GELU_GRAD -> Tol.elementwise(1e-6, 1e-7);
            default -> Tol.elementwise(1e-6, 1e-30);
        };
    }

    private static Tensor unaryInput(UnaryOp op, Rng r, Layout l, int... s) {
        Tensor x = normal(r, l, s).mul(op == UnaryOp.EXP ? 4 : 3);
        return switch (op) { // positive domain where the function needs it; a few special values otherwise
            case LOG, SQRT, RSQRT -> x.abs().add(1e-3);
            default -> x;
        };
    }

    private static void unaries(List<Case> cs) {
        for (UnaryOp op : UnaryOp.values()) {
            for (Layout l : Layout.values()) {
                int[] s = l == Layout.CHANNELS_LAST ? new int[]{2, 19, 5, 3} : new int[]{3, 17, 33};
                String name = "unary " + op + " " + Shapes.str(s) + " " + l;
                cs.add(new Case(name, b -> {
                    Tensor x = unaryInput(op, rng(name), l, s);
                    check(b, unaryTol(op), be -> on(x, be).map(op));
                }));
            }
            String name = "unary " + op + " nchw -> channels-last out, wide range, specials";
            cs.add(new Case(name, b -> {
                Tensor x = unaryInput(op, rng(name), Layout.CONTIGUOUS, 2, 9, 4, 3).mul(op == UnaryOp.EXP || op == UnaryOp.SIGMOID ? 4 : 3);
                x.set(0, 0, 0, 0, 0);
                x.set(-0.0, 0, 0, 0, 1);
                if (op != UnaryOp.LOG && op != UnaryOp.SQRT && op != UnaryOp.RSQRT) x.set(Double.NaN, 1, 2, 3, 2);
                check(b, unaryTol(op), be -> {
                    Tensor out = Conformance.zerosLike(x, DType.F32, be, true);
                    be.unary(op, on(x, be), out);
                    return out;
                });
                check(b, unaryTol(op), be -> { // an output with no unit stride at all
                    Tensor out = Tensor.zeros(DType.F32, be, 2, 9, 4, 6).slice(3, 0, 6, 2);
                    be.unary(op, on(x, be), out);
                    return out;
                });
            }));
        }
        String big = "unary GELU, EXP, TANH on 70k elements (parallel path)";
        cs.add(new Case(big, b -> {
            Tensor x = rng(big).normal(0, 3, 70_001);
            for (UnaryOp op : new UnaryOp[]{UnaryOp.GELU, UnaryOp.EXP, UnaryOp.TANH}) check(b, unaryTol(op), be -> on(x, be).map(op));
        }));
    }

    private static Tol binaryTol(BinaryOp op) {
        return switch (op) {
            case POW -> Tol.elementwise(2e-6, 1e-30);
            case DIV -> Tol.elementwise(1e-6, 0);
            case GELU_GRAD -> Tol.elementwise(1e-6, 5e-7); // gy times gelu'(x), itself 1e-7 absolute; |gy| < 5 here
            default -> Tol.EXACT;
        };
    }

    /** Operand pairs of shapes that broadcast: same shape, per-channel, row/column vectors, scalars. */
    private static final int[][][] BROADCASTS = {
            {{3, 17, 33}, {3, 17, 33}},
            {{2, 7, 5, 3}, {1, 7, 1, 1}},     // per-channel bias / scale
            {{17, 33}, {33}},
            {{17, 1}, {1, 33}},               // outer
            {{1, 7, 1, 1}, {2, 7, 5, 3}},
            {{2, 7, 5, 3}, {}},               // 0-d
    };

    private static Tensor binaryInput(BinaryOp op, Rng r, Layout l, boolean left, int... s) {
        if (op.isComparison() || op == BinaryOp.MAX || op == BinaryOp.MIN) return integers(r, 4, l, s); // ties
        Tensor x = normal(r, l, s);
        if (op == BinaryOp.POW && left) return x.abs().add(0.1);
        if (op == BinaryOp.DIV && !left) return x.abs().add(0.5).mul(x.sign().add(0.5).sign());
        if (op == BinaryOp.RELU6_GRAD) return x.mul(5); // activations on both sides of 0 and of 6
        return x;
    }

    private static void binaries(List<Case> cs) {
        for (BinaryOp op : BinaryOp.values()) {
            for (int[][] pair : BROADCASTS)
                for (Layout l : new Layout[]{Layout.CONTIGUOUS, Layout.PERMUTED, Layout.SLICED, Layout.CHANNELS_LAST}) {
                    if (l == Layout.CHANNELS_LAST && pair[0].length != 4) continue;
                    if (pair[0].length == 0 || (l == Layout.SLICED && pair[0].length > 0 && pair[0][0] == 1)) continue;
                    String name = "binary " + op + " " + Shapes.str(pair[0]) + " " + Shapes.str(pair[1]) + " " + l;
                    cs.add(new Case(name, b -> {
                        Rng r = rng(name);
                        Tensor a = binaryInput(op, r, l, true, pair[0]);
                        Tensor c = pair[1].length == 0 ? Tensor.scalar(op == BinaryOp.POW ? 2 : 1.5)
                                : pair[1].length == 4 && l == Layout.CHANNELS_LAST ? binaryInput(op, r, l, false, pair[1])
                                : binaryInput(op, r, Layout.CONTIGUOUS, false, pair[1]);
                        check(b, binaryTol(op), be -> on(a, be).apply(op, on(c, be)));
                        check(b, binaryTol(op), be -> on(c, be).apply(op, on(a, be)));
                    }));
                }
            String nm = "binary " + op + " with NaN and a strided, channels-last output";
            cs.add(new Case(nm, b -> {
                Rng r = rng(nm);
                Tensor a = binaryInput(op, r, Layout.CONTIGUOUS, true, 2, 9, 4, 3), c = binaryInput(op, r, Layout.CONTIGUOUS, false, 1, 9, 1, 3);
                a.set(Double.NaN, 1, 1, 1, 1);
                check(b, binaryTol(op), be -> {
                    Tensor out = Conformance.zerosLike(a, op.isComparison() ? DType.BOOL : DType.F32, be, true);
                    be.binary(op, on(a, be), on(c, be).expand(2, 9, 4, 3), out);
                    return out;
                });
                check(b, binaryTol(op), be -> { // strided output
                    Tensor out = Tensor.zeros(op.isComparison() ? DType.BOOL : DType.F32, be, 2, 9, 4, 6).slice(3, 0, 6, 2);
                    be.binary(op, on(a, be), on(c, be).expand(2, 9, 4, 3), out);
                    return out;
                });
            }));
            if (!op.isComparison())
                for (double s : new double[]{2, 0.5, -1.5, 3, 0.1}) {
                    String name = "binaryScalar " + op + " " + s;
                    cs.add(new Case(name, b -> {
                        Rng r = rng(name);
                        for (Layout l : new Layout[]{Layout.CONTIGUOUS, Layout.SLICED, Layout.CHANNELS_LAST}) {
                            Tensor a = binaryInput(op, r, l, true, 2, 7, 5, 3);
                            if (op == BinaryOp.POW && s == 0.5) a.set(-0.0, 0, 0, 0, 0);
                            // the scalar is rounded to float first (as PyTorch does): 1e-7 |s| more
                            Tol t = binaryTol(op);
                            check(b, Tol.elementwise(Math.max(t.rel(), 1e-6), t.abs() + 1e-7 * Math.abs(s)), be -> on(a, be).apply(op, s));
                        }
                    }));
                }
        }
        cs.add(new Case("comparisons against scalars", b -> {
            Tensor a = integers(rng("cmp scalars"), 4, Layout.SLICED, 9, 13);
            check(b, Tol.EXACT, be -> on(a, be).gt(1.0));
            check(b, Tol.EXACT, be -> on(a, be).eq(2.0));
            check(b, Tol.EXACT, be -> on(a, be).lt(3.0));
        }));
        cs.add(new Case("clamp with NaN", b -> {
            for (Layout l : Layout.values()) {
                Tensor x = normal(rng("clamp " + l), l, 2, 7, 5, 3);
                x.set(Double.NaN, 1, 3, 2, 1);
                check(b, Tol.EXACT, be -> on(x, be).clamp(-0.5, 0.7));
                check(b, Tol.EXACT, be -> on(x, be).clamp(0, 6));
            }
        }));
        for (DType ct : new DType[]{DType.BOOL, DType.U8}) {
            String name = "where " + ct + " with broadcasts";
            cs.add(new Case(name, b -> {
                Rng r = rng(name);
                Tensor cond = Conformance.bools(r, ct, 17, 1), a = r.normal(0, 1, 17, 33), c = r.normal(0, 1, 33);
                check(b, Tol.EXACT, be -> Tensor.where(on(cond, be), on(a, be), on(c, be)));
                Tensor cond2 = Conformance.bools(r, ct, 3, 17, 33);
                check(b, Tol.EXACT, be -> Tensor.where(on(cond2, be), on(a, be), on(c, be)));
                Tensor x = normal(r, Layout.CHANNELS_LAST, 2, 7, 5, 3), cl = Conformance.bools(r, ct, 2, 7, 5, 3).permute(0, 1, 2, 3);
                check(b, Tol.EXACT, be -> Tensor.where(on(cl, be), on(x, be), Tensor.scalar(0, DType.F32, be)));
            }));
        }
    }

    // ================================================================== reductions

    private static void reductions(List<Case> cs) {
        Object[][] setups = { // shape, layout, axes
                {new int[]{3, 17, 33}, Layout.CONTIGUOUS, new int[]{0}},
                {new int[]{3, 17, 33}, Layout.CONTIGUOUS, new int[]{1}},
                {new int[]{3, 17, 33}, Layout.CONTIGUOUS, new int[]{2}},
                {new int[]{3, 17, 33}, Layout.CONTIGUOUS, new int[]{0, 2}},
                {new int[]{3, 17, 33}, Layout.CONTIGUOUS, new int[]{0, 1, 2}},
                {new int[]{3, 17, 33}, Layout.PERMUTED, new int[]{1, 2}},
                {new int[]{3, 17, 33}, Layout.SLICED, new int[]{2}},
                {new int[]{3, 17, 33}, Layout.SLICED, new int[]{0, 1}},
                {new int[]{4, 7, 5, 6}, Layout.CHANNELS_LAST, new int[]{0, 2, 3}},   // BatchNorm statistics
                {new int[]{4, 7, 5, 6}, Layout.CHANNELS_LAST, new int[]{1}},         // LayerNorm over C
                {new int[]{4, 7, 5, 6}, Layout.CHANNELS_LAST, new int[]{2, 3}},      // global pooling
                {new int[]{4, 1, 5, 1}, Layout.CONTIGUOUS, new int[]{1, 3}},         // size-1 axes only
                {new int[]{2, 40_000}, Layout.CONTIGUOUS, new int[]{1}},             // long rows: split in parts
                {new int[]{40_000, 3}, Layout.CONTIGUOUS, new int[]{0}},             // long columns: split in parts
                {new int[]{3, 1100, 19}, Layout.PERMUTED, new int[]{0, 1}},
        };
        for (Object[] su : setups) {
            int[] s = (int[]) su[0], axes = (int[]) su[2];
            Layout l = (Layout) su[1];
            String tag = Shapes.str(s) + " " + l + " axes " + Shapes.str(axes);
            for (ReduceOp op : ReduceOp.values()) {
                String name = "reduce " + op + " " + tag;
                cs.add(new Case(name, b -> {
                    Tensor x = normal(rng(name), l, s).add(0.25);
                    if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
                        check(b, Tol.EXACT, be -> on(x, be).reduce(op, axes, true));
                        return;
                    }
                    // scale: the same reduction of |x| (a sum's conditioning), tolerance 1e-5 of it
                    Tensor scale = on(x, REF).abs().reduce(op, axes, true);
                    Tensor ref = on(x, REF).reduce(op, axes, true), got = on(x, b).reduce(op, axes, true);
                    double[] r = Conformance.values(ref), g = Conformance.values(got), sc = Conformance.values(scale);
                    for (int i = 0; i < r.length; i++)
                        if (!(Math.abs(r[i] - g[i]) <= 1e-5 * sc[i]))
                            throw new AssertionError(name + " element " + i + ": got " + g[i] + ", reference " + r[i] + ", scale " + sc[i]);
                }));
            }
            for (int corr : new int[]{0, 1}) {
                String name = "variance correction " + corr + " " + tag;
                cs.add(new Case(name, b -> {
                    Tensor x = normal(rng(name), l, s).add(3);
                    check(b, Tol.elementwise(1e-5, 1e-12), be -> on(x, be).var(axes, corr, true));
                }));
            }
        }
        cs.add(new Case("reduce and argmax of a broadcast input (stride 0)", b -> {
            Tensor x = rng("bcast reduce").normal(0, 1, 1, 7, 1, 3).expand(2, 7, 5, 3);
            for (ReduceOp op : ReduceOp.values())
                for (int[] axes : new int[][]{{0, 2, 3}, {1}, {0, 2}, {0, 1, 2, 3}})
                    check(b, Tol.normwise(1e-6), be -> on(x, be).reduce(op, axes, true));
            check(b, Tol.elementwise(1e-5, 1e-12), be -> on(x, be).var(new int[]{1, 3}, 1, true));
            check(b, Tol.EXACT, be -> on(x, be).argmax(2, true));
            check(b, Tol.EXACT, be -> on(x, be).argmax(1, true));
        }));
        cs.add(new Case("reduce with NaN", b -> {
            Tensor x = normal(rng("nan reduce"), Layout.CHANNELS_LAST, 2, 9, 4, 3);
            x.set(Double.NaN, 1, 2, 3, 1);
            for (ReduceOp op : ReduceOp.values()) {
                check(b, Tol.normwise(1e-5), be -> on(x, be).reduce(op, new int[]{0, 2, 3}, false));
                check(b, Tol.normwise(1e-5), be -> on(x, be).reduce(op, new int[]{1}, false));
            }
        }));
        Object[][] argmaxes = {
                {new int[]{5, 17}, Layout.CONTIGUOUS, 0}, {new int[]{5, 17}, Layout.CONTIGUOUS, 1},
                {new int[]{5, 17}, Layout.PERMUTED, 1}, {new int[]{3, 17, 9}, Layout.SLICED, 1},
                {new int[]{2, 7, 5, 3}, Layout.CHANNELS_LAST, 1}, {new int[]{2, 7, 5, 3}, Layout.CHANNELS_LAST, 3},
                {new int[]{3, 1, 4}, Layout.CONTIGUOUS, 1}, {new int[]{50_000}, Layout.CONTIGUOUS, 0},
        };
        for (Object[] su : argmaxes) {
            int[] s = (int[]) su[0];
            Layout l = (Layout) su[1];
            int axis = (int) su[2];
            String name = "argmax " + Shapes.str(s) + " " + l + " axis " + axis + " (ties)";
            cs.add(new Case(name, b -> {
                Tensor x = integers(rng(name), 3, l, s);
                check(b, Tol.EXACT, be -> on(x, be).argmax(axis, true));
            }));
        }
    }

    // ================================================================== matmul

    private static void matmuls(List<Case> cs) {
        int[][] mnk = {{1, 1, 1}, {3, 7, 5}, {17, 33, 19}, {1, 40, 9}, {23, 1, 31}, {5, 6, 1}, {70, 65, 129}};
        for (int[] d : mnk) {
            int m = d[0], n = d[1], k = d[2];
            for (String form : new String[]{"nn", "tn", "nt", "tt", "strided", "broadcast batch", "batched 3"}) {
                String name = "matmul " + form + " m" + m + " n" + n + " k" + k;
                cs.add(new Case(name, b -> {
                    Rng r = rng(name);
                    int nb = form.equals("batched 3") || form.equals("broadcast batch") ? 3 : 1;
                    Tensor a = switch (form) {
                        case "tn", "tt" -> r.normal(0, 1, nb, k, m).transpose(1, 2);
                        case "strided" -> r.normal(0, 1, nb, 2 * m, 3 * k).slice(1, 0, 2 * m, 2).slice(2, 1, 3 * k, 3);
                        case "broadcast batch" -> r.normal(0, 1, 1, m, k).expand(3, m, k);
                        default -> r.normal(0, 1, nb, m, k);
                    };
                    Tensor c = switch (form) {
                        case "nt", "tt" -> r.normal(0, 1, nb, n, k).transpose(1, 2);
                        case "strided" -> r.normal(0, 1, nb, k, 2 * n).slice(2, 0, 2 * n, 2);
                        default -> r.normal(0, 1, nb, k, n);
                    };
                    check(b, Tol.products(k), be -> {
                        Tensor out = Tensor.zeros(DType.F32, be, nb, m, n);
                        be.matmul(on(a, be), on(c, be), out);
                        return out;
                    });
                }));
            }
        }
        cs.add(new Case("matmul through Tensor with broadcast batch axes", b -> {
            Rng r = rng("matmul api");
            Tensor a = r.normal(0, 1, 2, 1, 5, 7), c = r.normal(0, 1, 3, 7, 4);
            check(b, Tol.products(7), be -> on(a, be).matmul(on(c, be)));
        }));
    }

    // ================================================================== indexing

    private static void indexing(List<Case> cs) {
        for (int axis = 0; axis < 3; axis++) {
            int ax = axis;
            String name = "gather and scatterAdd axis " + axis;
            cs.add(new Case(name, b -> {
                Rng r = rng(name);
                int[] xs = {5, 7, 3};
                Tensor x = normal(r, Layout.PERMUTED, xs);
                int[] is = {5, 7, 3};
                is[ax] = 9;
                Tensor idx = Conformance.indices(r, 0, xs[ax], is);
                check(b, Tol.EXACT, be -> on(x, be).gather(ax, on(idx, be)));
                Tensor src = r.normal(0, 1, is);
                check(b, Tol.normwise(1e-6), be -> on(x, be).scatterAdd(ax, on(idx, be), on(src, be)));
                int[] small = {4, 6, 2}; // index smaller than x off the axis (torch allows it)
                small[ax] = 5;
                Tensor idx2 = Conformance.indices(r, 0, xs[ax], small);
                check(b, Tol.EXACT, be -> on(x, be).gather(ax, on(idx2, be)));
                Tensor src2 = r.normal(0, 1, small);
                check(b, Tol.normwise(1e-6), be -> on(x, be).scatterAdd(ax, on(idx2, be), on(src2, be)));
            }));
        }
        Object[][] selects = { // x shape, layout, axis, index count
                {new int[]{300, 40}, Layout.CONTIGUOUS, 0, 200}, {new int[]{9, 13}, Layout.SLICED, 0, 5},
                {new int[]{4, 9, 6}, Layout.PERMUTED, 1, 11}, {new int[]{2, 6, 5, 3}, Layout.CHANNELS_LAST, 0, 3},
                {new int[]{3, 20_000}, Layout.CONTIGUOUS, 0, 4}, {new int[]{2, 7, 5, 3}, Layout.CHANNELS_LAST, 1, 9},
        };
        for (Object[] su : selects) {
            int[] s = (int[]) su[0];
            Layout l = (Layout) su[1];
            int axis = (int) su[2], count = (int) su[3];
            String name = "indexSelect and indexAdd " + Shapes.str(s) + " " + l + " axis " + axis;
            cs.add(new Case(name, b -> {
                Rng r = rng(name);
                Tensor x = normal(r, l, s);
                Tensor idx = Conformance.indices(r, -1, s[axis], count); // -1: zero slice / skipped
                check(b, Tol.EXACT, be -> on(x, be).indexSelect(axis, on(idx, be)));
                int[] ss = s.clone();
                ss[axis] = count;
                Tensor src = normal(r, l == Layout.CHANNELS_LAST ? l : Layout.CONTIGUOUS, ss);
                check(b, Tol.normwise(1e-6), be -> on(x, be).indexAdd(axis, on(idx, be), on(src, be)));
            }));
        }
    }

    // ================================================================== convolution

    /** name, N, C, H, W, O, KH, KW, spec. */
    private record Geo(String name, int n, int c, int h, int w, int o, int kh, int kw, Conv2dSpec spec) {}

    private static final Geo[] GEOS = {
            new Geo("3x3 s1 p1", 2, 5, 9, 8, 7, 3, 3, Conv2dSpec.of(1, 1, 1)),
            new Geo("1x1 s1", 2, 6, 5, 7, 4, 1, 1, Conv2dSpec.of(1, 0, 1)),
            new Geo("1x1 s2 (downsample)", 2, 6, 9, 7, 5, 1, 1, Conv2dSpec.of(2, 0, 1)),
            new Geo("3x3 s2 p1", 2, 5, 9, 10, 6, 3, 3, Conv2dSpec.of(2, 1, 1)),
            new Geo("7x7 s2 p3 stem", 1, 3, 17, 15, 8, 7, 7, Conv2dSpec.of(2, 3, 1)),
            new Geo("4x4 s4 patchify stem", 2, 3, 16, 12, 8, 4, 4, Conv2dSpec.of(4, 0, 1)),
            new Geo("2x2 s2 downsample", 2, 6, 8, 6, 10, 2, 2, Conv2dSpec.of(2, 0, 1)),
            new Geo("depthwise 7x7 p3 C10", 2, 10, 9, 11, 10, 7, 7, Conv2dSpec.of(1, 3, 10)),
            new Geo("depthwise 7x7 p3 C17 wide", 1, 17, 6, 14, 17, 7, 7, Conv2dSpec.of(1, 3, 17)),
            new Geo("depthwise 7x7 p3 C41 bias", 1, 41, 5, 12, 41, 7, 7, Conv2dSpec.of(1, 3, 41)),
            new Geo("depthwise 3x3 p1 C3", 2, 3, 7, 6, 3, 3, 3, Conv2dSpec.of(1, 1, 3)),
            new Geo("depthwise 3x3 s2 p1", 2, 9, 9, 8, 9, 3, 3, Conv2dSpec.of(2, 1, 9)),
            new Geo("depthwise 1x1 p1", 1, 9, 5, 4, 9, 1, 1, Conv2dSpec.of(1, 1, 9)),
            new Geo("dilation 2 3x3 p2", 2, 4, 9, 9, 5, 3, 3, new Conv2dSpec(1, 1, 2, 2, 2, 2, 1)),
            new Geo("groups 2 3x3 p1", 2, 6, 7, 7, 4, 3, 3, Conv2dSpec.of(1, 1, 2)),
            new Geo("groups 3 1x1", 2, 6, 5, 4, 9, 1, 1, Conv2dSpec.of(1, 0, 3)),
            new Geo("3x5 stride (2,1) pad (1,2) dilation (1,2)", 2, 4, 9, 11, 5, 3, 5, new Conv2dSpec(2, 1, 1, 2, 1, 2, 1)),
            new Geo("depthwise multiplier 2 (groups = C, O = 2C)", 1, 4, 6, 6, 8, 3, 3, Conv2dSpec.of(1, 1, 4)),
    };

    private static void convolutions(List<Case> cs) {
        for (Geo g : GEOS)
            for (Layout l : new Layout[]{Layout.CONTIGUOUS, Layout.CHANNELS_LAST, Layout.SLICED}) {
                String name = "conv2d " + g.name() + " " + l;
                cs.add(new Case(name, b -> {
                    Rng r = rng(name);
                    Tensor x = normal(r, l, g.n(), g.c(), g.h(), g.w());
                    Tensor w = r.normal(0, 1, g.o(), g.c() / g.spec().groups(), g.kh(), g.kw());
                    Tensor bias = r.normal(0, 1, g.o());
                    int k = g.c() / g.spec().groups() * g.kh() * g.kw();
                    check(b, Tol.products(k), be -> on(x, be).conv2d(on(w, be), on(bias, be), g.spec()));
                    check(b, Tol.products(k), be -> on(x, be).conv2d(on(w, be), null, g.spec()));
                    int ho = g.spec().outH(g.h(), g.kh()), wo = g.spec().outW(g.w(), g.kw());
                    Tensor gy = l == Layout.CHANNELS_LAST ? normal(r, l, g.n(), g.o(), ho, wo) : normal(r, Layout.CONTIGUOUS, g.n(), g.o(), ho, wo);
                    int[] xs = {g.n(), g.c(), g.h(), g.w()};
                    int kIn = g.o() / g.spec().groups() * g.kh() * g.kw();
                    check(b, Tol.products(kIn), be -> on(gy, be).conv2dBackwardInput(on(w, be), g.spec(), xs));
                    check(b, Tol.products(g.n() * ho * wo), be -> on(gy, be).conv2dBackwardWeight(on(x, be), g.spec(), w.shape()));
                }));
            }
        for (Layout l : new Layout[]{Layout.CONTIGUOUS, Layout.CHANNELS_LAST}) {
            String name = "conv transpose k4 s2 p1 as conv2dBackwardInput " + l;
            cs.add(new Case(name, b -> {
                Rng r = rng(name);
                Conv2dSpec spec = Conv2dSpec.of(2, 1, 1);
                Tensor low = normal(r, l, 2, 6, 5, 4); // decoder input: gy of the adjoint conv
                Tensor w = r.normal(0, 1, 6, 3, 4, 4); // [in, out, 4, 4] as PyTorch's ConvTranspose2d stores it
                check(b, Tol.products(6 * 4), be -> on(low, be).conv2dBackwardInput(on(w, be), spec, new int[]{2, 3, 10, 8}));
                Tensor hi = normal(r, l, 2, 3, 10, 8);
                check(b, Tol.products(2 * 5 * 4), be -> on(low, be).conv2dBackwardWeight(on(hi, be), spec, w.shape()));
                check(b, Tol.products(3 * 16), be -> on(hi, be).conv2d(on(w, be), null, spec));
            }));
        }
        String tiles = "conv2d 3x3 C64 32x32 channels-last: several im2col tiles";
        cs.add(new Case(tiles, b -> {
            Rng r = rng(tiles);
            Conv2dSpec spec = Conv2dSpec.of(1, 1, 1);
            Tensor x = normal(r, Layout.CHANNELS_LAST, 2, 64, 32, 32), w = r.normal(0, 1, 8, 64, 3, 3);
            Tensor gy = normal(r, Layout.CHANNELS_LAST, 2, 8, 32, 32);
            check(b, Tol.products(576), be -> on(x, be).conv2d(on(w, be), null, spec));
            check(b, Tol.products(72), be -> on(gy, be).conv2dBackwardInput(on(w, be), spec, x.shape()));
            check(b, Tol.products(2048), be -> on(gy, be).conv2dBackwardWeight(on(x, be), spec, w.shape()));
        }));
        String chunked = "conv2d weight gradient over many pixels (fixed pixel chunks, several L2 tiles each)";
        cs.add(new Case(chunked, b -> {
            Rng r = rng(chunked);
            Conv2dSpec s1 = Conv2dSpec.of(1, 1, 1);
            Tensor x = normal(r, Layout.CHANNELS_LAST, 3, 13, 48, 45), gy = normal(r, Layout.CHANNELS_LAST, 3, 6, 48, 45);
            check(b, Tol.products(3 * 48 * 45), be -> on(gy, be).conv2dBackwardWeight(on(x, be), s1, new int[]{6, 13, 3, 3}));
            // strided 4x4 kernel with 2 groups (the transposed convolution's weight gradient has this form)
            Conv2dSpec s2 = new Conv2dSpec(2, 2, 1, 1, 1, 1, 2);
            Tensor x2 = normal(r, Layout.CHANNELS_LAST, 2, 8, 130, 66), gy2 = normal(r, Layout.CHANNELS_LAST, 2, 6, 65, 33);
            check(b, Tol.products(2 * 65 * 33), be -> on(gy2, be).conv2dBackwardWeight(on(x2, be), s2, new int[]{6, 4, 4, 4}));
        }));
        String wino = "conv2d 3x3 C40->36 channels-last: Winograd-sized on the CPU backend";
        cs.add(new Case(wino, b -> {
            Rng r = rng(wino);
            Conv2dSpec spec = Conv2dSpec.of(1, 1, 1);
            Tensor x = normal(r, Layout.CHANNELS_LAST, 2, 40, 13, 11), w = r.normal(0, 1, 36, 40, 3, 3), bias = r.normal(0, 1, 36);
            Tensor gy = normal(r, Layout.CHANNELS_LAST, 2, 36, 13, 11);
            check(b, Tol.products(360), be -> on(x, be).conv2d(on(w, be), on(bias, be), spec));
            check(b, Tol.products(324), be -> on(gy, be).conv2dBackwardInput(on(w, be), spec, x.shape()));
            check(b, Tol.products(2 * 13 * 11), be -> on(gy, be).conv2dBackwardWeight(on(x, be), spec, w.shape()));
        }));
        cs.add(new Case("conv2d into an explicitly strided output", b -> {
            Rng r = rng("conv strided out");
            Tensor x = normal(r, Layout.CHANNELS_LAST, 2, 5, 7, 6), w = r.normal(0, 1, 4, 5, 3, 3);
            check(b, Tol.products(45), be -> {
                Tensor out = Tensor.zeros(DType.F32, be, 2, 4, 7, 6 * 2).slice(3, 0, 12, 2); // every other column
                be.conv2d(on(x, be), on(w, be), null, Conv2dSpec.of(1, 1, 1), out);
                return out;
            });
        }));
    }

    // ================================================================== pooling

    private static void pools(List<Case> cs) {
        Pool2dSpec[] specs = {Pool2dSpec.of(3, 2, 1), Pool2dSpec.of(2, 2, 0), Pool2dSpec.of(3, 1, 1),
                new Pool2dSpec(3, 2, 2, 1, 1, 0)};
        int[][] shapes = {{2, 3, 9, 8}, {2, 17, 7, 6}};
        for (Pool2dSpec p : specs)
            for (int[] s : shapes)
                for (Layout l : new Layout[]{Layout.CONTIGUOUS, Layout.CHANNELS_LAST, Layout.SLICED}) {
                    String name = "pool " + p + " " + Shapes.str(s) + " " + l;
                    cs.add(new Case(name, b -> {
                        Rng r = rng(name);
                        Tensor x = integers(r, 4, l, s); // max ties: the first in scan order must win
                        check(b, Tol.EXACT, be -> on(x, be).maxPool2d(p).values());
                        check(b, Tol.EXACT, be -> on(x, be).maxPool2d(p).argmax());
                        int ho = p.outH(s[2]), wo = p.outW(s[3]);
                        Tensor gy = normal(r, l == Layout.CHANNELS_LAST ? l : Layout.CONTIGUOUS, s[0], s[1], ho, wo);
                        check(b, Tol.normwise(1e-6), be -> on(gy, be).maxPool2dBackward(on(x, be).maxPool2d(p).argmax(), s));
                        Tensor xf = normal(r, l, s);
                        check(b, Tol.normwise(1e-6), be -> on(xf, be).avgPool2d(p));
                        check(b, Tol.normwise(1e-6), be -> on(gy, be).avgPool2dBackward(p, s));
                    }));
                }
    }
}
