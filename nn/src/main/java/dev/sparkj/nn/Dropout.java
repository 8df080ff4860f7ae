package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

/**
 * Dropout (PyTorch's {@code nn.Dropout}): in training each element is zeroed with probability p and the
 * survivors scaled by 1/(1-p); identity in evaluation. Draws from the generator it holds.
 */
public final class Dropout extends Module implements ImageLayer {
    private final double p;
    private final Rng rng;

    public Dropout(double p, Rng rng) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout probability " + p + " outside [0, 1)");
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Variable forward(Variable x) {
        if (!isTraining() || p == 0) return x;
        int n = x.data().numel();
        double[] m = new double[n];
        double scale = 1 / (1 - p);
        for (int i = 0; i < n; i++) m[i] = rng.nextDouble() >= p ? scale : 0;
        Tensor mask = Tensor.of(m, x.shape()).cast(x.dtype()).to(x.data().backend());
        return F.mul(x, Variable.of(mask));
    }

    @Override
    protected String extraRepr() { return "p " + p; }
}
