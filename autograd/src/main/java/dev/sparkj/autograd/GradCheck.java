package dev.sparkj.autograd;

import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Checks an op's analytic gradients against central finite differences, in double precision on the
 * reference backend.
 *
 * <p>The function under test maps variables to one variable {@code y}; the check differentiates the scalar
 * {@code L = sum(y · r)} for a fixed random {@code r} (so every output element and every input gradient takes
 * part). Floating inputs are cast to F64 on {@link Backends#reference()} unless they already are (pass an F64
 * reference view, e.g. a transposed one, to check non-contiguous inputs); non-floating inputs (indices) are
 * passed as constants. Each element {@code x_i} is moved by ±eps and {@code (L(x+eps) - L(x-eps)) / 2eps} is
 * compared with the analytic {@code dL/dx_i}: it passes when {@code |a - n| <= atol + rtol·max(|a|, |n|)}.
 * Inputs must sit away from kinks (relu at 0, ties of max) for the numeric derivative to mean anything.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Step, tolerances and the seed of the projection {@code r}. */
    public record Options(double eps, double rtol, double atol, long seed) {
        public static final Options DEFAULT = new Options(1e-6, 1e-5, 1e-7, 1234);

        public Options withTolerance(double rtol, double atol) { return new Options(eps, rtol, atol, seed); }
    }

    /**
     * The outcome: whether every element passed, and the worst element (largest error relative to its
     * tolerance): which input, its multi-index, the analytic and numeric values.
     */
    public record Result(boolean ok, int input, int[] index, double analytic, double numeric, double worstRatio, int checked) {
        /** Throws an {@link AssertionError} describing the worst element unless the check passed. */
        public Result assertOk() {
            if (!ok) throw new AssertionError(this.toString());
            return this;
        }

        @Override
        public String toString() {
            return (ok ? "gradcheck passed" : "gradcheck FAILED") + " (" + checked + " elements); worst: input " + input
                    + " at " + Arrays.toString(index) + " analytic " + analytic + " numeric " + numeric
                    + " |diff| " + Math.abs(analytic - numeric) + " (" + String.format("%.3g", worstRatio) + " x tolerance)";
        }
    }

    /** Checks with {@link Options#DEFAULT}. */
    public static Result check(Function<Variable[], Variable> f, Tensor... inputs) {
        return check(Options.DEFAULT, f, inputs);
    }

    /** Checks {@code f} at {@code inputs}; see the class comment. */
    public static Result check(Options opt, Function<Variable[], Variable> f, Tensor... inputs) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) xs[i] = toReferenceF64(inputs[i]);

        // Analytic: backward of L = sum(y * r), i.e. seed r.
        Variable[] vars = new Variable[xs.length];
        for (int i = 0; i < xs.length; i++) vars[i] = new Variable(xs[i], xs[i].dtype().isFloating());
        Variable y = f.apply(vars);
        Tensor r = new Rng(opt.seed()).uniform(-1, 1, y.shape()).to(Backends.reference()).cast(DType.F64);
        if (y.requiresGrad()) y.backward(r);

        int worstInput = -1, checked = 0;
        int[] worstIndex = null;
        double worstA = 0, worstN = 0, worstRatio = 0;
        for (int i = 0; i < xs.length; i++) {
            if (!xs[i].dtype().isFloating()) continue;
            Tensor analytic = vars[i].grad();
            if (analytic != null && !Arrays.equals(analytic.shape(), xs[i].shape()))
                throw new AssertionError("gradient of input " + i + " has shape " + Shapes.str(analytic.shape()) + ", input " + Shapes.str(xs[i].shape()));
            Tensor moved = xs[i].copy();
            Tensor[] args = xs.clone();
            args[i] = moved;
            int[] shape = xs[i].shape(), idx = new int[shape.length];
            for (int e = 0, n = xs[i].numel(); e < n; e++, next(idx, shape)) {
                double x0 = moved.get(idx);
                moved.set(x0 + opt.eps(), idx);
                double lp = project(f, args, r);
                moved.set(x0 - opt.eps(), idx);
                double lm = project(f, args, r);
                moved.set(x0, idx);
                double num = (lp - lm) / (2 * opt.eps());
                double ana = analytic == null ? 0 : analytic.get(idx);
                double tol = opt.atol() + opt.rtol() * Math.max(Math.abs(ana), Math.abs(num));
                double ratio = Math.abs(ana - num) / tol;
                if (Double.isNaN(ratio)) ratio = Double.POSITIVE_INFINITY;
                checked++;
                if (worstIndex == null || ratio > worstRatio) {
                    worstRatio = ratio;
                    worstInput = i;
                    worstIndex = idx.clone();
                    worstA = ana;
                    worstN = num;
                }
            }
        }
        if (checked == 0) throw new IllegalArgumentException("gradcheck: no floating input to check");
        return new Result(worstRatio <= 1, worstInput, worstIndex, worstA, worstN, worstRatio, checked);
    }

    /** Checks and throws an {@link AssertionError} naming the worst element on failure. */
    public static Result assertGradients(Function<Variable[], Variable> f, Tensor... inputs) {
        return check(f, inputs).assertOk();
    }

    /** {@code inputs} on the reference backend as F64 (floating ones), returned as-is when already so. */
    public static Tensor toReferenceF64(Tensor t) {
        Tensor r = t.to(Backends.reference());
        return r.dtype().isFloating() ? r.cast(DType.F64) : r;
    }

    private static double project(Function<Variable[], Variable> f, Tensor[] xs, Tensor r) {
        try (NoGrad ignored = NoGrad.enter()) {
            Variable[] vs = new Variable[xs.length];
            for (int i = 0; i < xs.length; i++) vs[i] = Variable.of(xs[i]);
            return f.apply(vs).data().mul(r).sum().item();
        }
    }

    private static void next(int[] idx, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return;
            idx[d] = 0;
        }
    }
}
