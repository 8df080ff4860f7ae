package dev.sparkj.autograd;

import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.util.function.Function;

/** Seeded F64 reference-backend inputs for gradient checks, and a one-line check. */
final class TestData {
    private TestData() {}

    /** Standard normal values. */
    static Tensor randn(long seed, int... shape) {
        return GradCheck.toReferenceF64(new Rng(seed).normal(0, 1, shape));
    }

    /** Uniform values in [lo, hi). */
    static Tensor uniform(long seed, double lo, double hi, int... shape) {
        return GradCheck.toReferenceF64(new Rng(seed).uniform(lo, hi, shape));
    }

    /** A random permutation of {@code 0.1 * (0 .. n-1)} minus an offset: all values distinct, at least 0.1 apart. */
    static Tensor distinct(long seed, int... shape) {
        Tensor t = randn(seed, shape).mul(0);
        int[] p = new Rng(seed).permutation(t.numel());
        int[] idx = new int[shape.length];
        for (int i = 0; i < p.length; i++) {
            t.set(0.1 * p[i] - 0.05 * p.length, idx);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return t;
    }

    /** I64 tensor. */
    static Tensor longs(long[] values, int... shape) { return GradCheck.toReferenceF64(Tensor.ofLongs(values, shape)); }

    /** Runs the default gradient check and fails with the worst element. */
    static void check(Function<Variable[], Variable> f, Tensor... inputs) {
        GradCheck.assertGradients(f, inputs);
    }
}
