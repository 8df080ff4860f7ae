package dev.sparkj.nn;

import dev.sparkj.autograd.GradCheck;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Test helpers: seeded inputs and gradient checks of whole modules (input and every parameter). */
final class Checks {
    private Checks() {}

    /** Standard normal F64 values on the reference backend. */
    static Tensor randn(long seed, int... shape) {
        return GradCheck.toReferenceF64(new Rng(seed).normal(0, 1, shape));
    }

    /** Distinct values, at least 0.05 apart and away from 0 (safe around relu / max kinks), shuffled. */
    static Tensor distinct(long seed, int... shape) {
        Tensor t = randn(seed, shape).mul(0);
        int[] p = new Rng(seed).permutation(t.numel());
        double[] v = new double[p.length];
        for (int i = 0; i < p.length; i++) v[i] = 0.05 * (p[i] - p.length / 2) + 0.025;
        return GradCheck.toReferenceF64(Tensor.of(v, shape));
    }

    /**
     * Gradient check of {@code fwd(x)} with respect to {@code x} (when floating) and every parameter of
     * {@code m}; the parameters are substituted by the checked variables through {@link Module#setParameter}.
     */
    static GradCheck.Result checkModule(Module m, Function<Variable, Variable> fwd, Tensor x) {
        List<String> keys = new ArrayList<>(m.namedParameters().keySet());
        Tensor[] inputs = new Tensor[keys.size() + 1];
        inputs[0] = x;
        for (int i = 0; i < keys.size(); i++) inputs[i + 1] = m.namedParameters().get(keys.get(i)).data();
        return GradCheck.check(v -> {
            for (int i = 0; i < keys.size(); i++) m.setParameter(keys.get(i), v[i + 1]);
            return fwd.apply(v[0]);
        }, inputs).assertOk();
    }

    /** {@link #checkModule} with the module's own forward. */
    static GradCheck.Result checkLayer(Module m, Tensor x) {
        return checkModule(m, ((Layer) m)::forward, x);
    }

    /** Randomises every parameter of {@code m} (so that e.g. zero biases do not hide terms). */
    static <M extends Module> M randomize(M m, long seed) {
        Rng r = new Rng(seed);
        for (Variable p : m.namedParameters().values()) p.data().copyFrom(r.normal(0, 0.5, p.shape()).add(p.data()));
        return m;
    }
}
