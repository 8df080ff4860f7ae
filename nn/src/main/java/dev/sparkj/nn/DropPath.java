package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

/**
 * Stochastic depth per sample (timm's {@code DropPath}): in training each sample's whole residual branch
 * is kept with probability {@code 1 - p} and scaled by {@code 1/(1-p)}, else zeroed; identity in evaluation
 * or when {@code p = 0}. The keep decisions come from the generator the layer holds (one draw per sample).
 */
public final class DropPath extends Module implements ImageLayer {
    private final double p;
    private final Rng rng;

    /** @param rng source of the per-sample decisions; may be null only when {@code p == 0} */
    public DropPath(double p, Rng rng) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("drop path probability " + p + " outside [0, 1)");
        if (p > 0 && rng == null) throw new IllegalArgumentException("drop path " + p + " needs a random generator");
        this.p = p;
        this.rng = rng;
    }

    public double probability() { return p; }

    /** The generator of the keep decisions (null when {@code p == 0}), so a checkpoint can save and restore its state. */
    public Rng generator() { return rng; }

    /** Draws the per-sample scale factors {@code [N]}: {@code 1/(1-p)} for kept samples, 0 for dropped ones. */
    public double[] drawScales(int n) {
        double[] s = new double[n];
        double keep = 1 - p;
        for (int i = 0; i < n; i++) s[i] = rng.nextDouble() < keep ? 1 / keep : 0;
        return s;
    }

    @Override
    public Variable forward(Variable x) {
        if (!isTraining() || p == 0) return x;
        return apply(x, drawScales(x.shape(0)));
    }

    /** {@code x [N, ...]} with sample i multiplied by {@code scales[i]} (a fixed mask, e.g. in tests or the sparse path). */
    public static Variable apply(Variable x, double[] scales) {
        if (scales.length != x.shape(0)) throw new IllegalArgumentException(scales.length + " scales for batch " + x.shape(0));
        int[] shape = new int[x.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = scales.length;
        Tensor m = Tensor.of(scales, scales.length).cast(x.dtype()).to(x.data().backend()).reshape(shape);
        return F.mul(x, Variable.of(m));
    }

    @Override
    protected String extraRepr() { return "p " + p; }

    /** Sparse: every visible position of sample i scaled by the same per-sample factor as the dense path draws. */
    @Override
    public FeatureMap forwardSparse(SparseMap x) {
        if (!isTraining() || p == 0) return x;
        return SparseOps.scaleSamples(x, Tensor.of(drawScales(x.shape()[0]), x.shape()[0]));
    }
}
