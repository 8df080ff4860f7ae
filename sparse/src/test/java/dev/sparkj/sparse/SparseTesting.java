package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers: masks with chosen patterns, and the sparse-vs-masked-dense comparison of one op (values and gradients). */
final class SparseTesting {
    private SparseTesting() {}

    /**
     * Two images on a 3x3 grid. Image 0: the corner (0,0) with its neighbour (0,1), the opposite corner
     * (2,2) and the border patch (1,2) adjacent to it; image 1: two isolated corner patches (0,2) and (2,0).
     */
    static ActiveMask patterned() {
        boolean[] v = new boolean[18];
        for (int i : new int[]{0, 1, 5, 8, 9 + 2, 9 + 6}) v[i] = true;
        return new ActiveMask(2, 3, 3, v);
    }

    /** A random mask with {@code keep} visible patches per image. */
    static ActiveMask random(int b, int h, int w, int keep, long seed) {
        return ActiveMask.random(b, h, w, 1 - (double) keep / (h * w), new Rng(seed));
    }

    static Tensor normal(Rng rng, int... shape) { return rng.normal(0, 1, shape); }

    /** Integer values in {@code [-range, range]} (max-pool ties). */
    static Tensor integers(Rng rng, int range, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.nextInt(2 * range + 1) - range;
        return Tensor.of(a, shape);
    }

    /** max |e - a| / (atol + rtol |e|) ≤ 1 over all elements. */
    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]) / (tol + tol * Math.abs(e[i]));
            if (!(d <= worst)) { worst = d; at = i; }
        }
        if (worst > 1) fail(what + ": element " + at + " expected " + e[at] + " got " + a[at]);
    }

    /** Sum of |values| (to check that a test is not vacuous). */
    static double absSum(Tensor t) {
        double s = 0;
        for (float v : t.toFloatArray()) s += Math.abs(v);
        return s;
    }

    /**
     * Runs {@code op} on the packed and on the masked-dense storage of the masked input {@code x} and
     * compares the outputs (as masked dense maps) and the gradients of a random projection of them with
     * respect to the input and to {@code params}.
     *
     * @param oracle the masked-dense computation written with plain dense ops, from the masked input
     *               {@code [B, C, H, W]} to the masked output; when null, the MASKED_DENSE storage serves
     * @return the packed output (masked dense) for further checks
     */
    static Tensor compare(ActiveMask mask, Tensor x, Variable[] params, Function<SparseMap, SparseMap> op,
                          Function<Variable, Variable> oracle, double tol) {
        Rng rng = new Rng(99);
        // packed
        Variable xs = Variable.param(x);
        SparseMap out = op.apply(SparseMap.of(xs, mask, SparseMap.Mode.PACKED));
        Variable ys = out.toMaskedDense();
        Tensor r = normal(rng, ys.shape());
        F.sum(F.mul(ys, Variable.of(r))).backward();
        Tensor[] gs = grads(params);
        // masked dense
        Variable xd = Variable.param(x);
        Variable yd;
        if (oracle == null) {
            SparseMap o = op.apply(SparseMap.of(xd, mask, SparseMap.Mode.MASKED_DENSE));
            assertEquals(SparseMap.Mode.MASKED_DENSE, o.mode());
            assertTrue(o.layout() == out.layout(), "same output layout");
            yd = o.toMaskedDense();
        } else {
            Variable m = Variable.of(mask.layoutFor(x.shape(2), x.shape(3)).denseMask());
            yd = oracle.apply(F.mul(xd, m));
        }
        F.sum(F.mul(yd, Variable.of(r))).backward();
        Tensor[] gd = grads(params);
        assertClose(yd.data(), ys.data(), tol, "forward");
        assertTrue(absSum(ys.data()) > 0, "non-trivial output");
        assertClose(xd.grad(), xs.grad(), tol, "input gradient");
        for (int i = 0; i < params.length; i++) {
            if (params[i] == null) continue;
            assertClose(gd[i], gs[i], tol, "gradient of parameter " + i);
        }
        return ys.data();
    }

    private static Tensor[] grads(Variable[] params) {
        Tensor[] g = new Tensor[params.length];
        for (int i = 0; i < params.length; i++) {
            if (params[i] == null) continue;
            g[i] = params[i].grad();
            params[i].zeroGrad();
        }
        return g;
    }
}
