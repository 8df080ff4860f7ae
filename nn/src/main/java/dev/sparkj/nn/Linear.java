package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

/**
 * Affine map on the last axis (PyTorch's {@code nn.Linear}): {@code [..., in] -> [..., out]},
 * {@code y = x Wᵀ + b} with weight {@code [out, in]} and bias {@code [out]}.
 */
public final class Linear extends Module implements Layer {
    private final int inFeatures, outFeatures;

    /** @param rng PyTorch's default initialisation from this generator; null leaves zeros for the owner to set */
    public Linear(int in, int out, boolean bias, Rng rng) {
        this.inFeatures = in;
        this.outFeatures = out;
        Variable w = param("weight", Tensor.zeros(out, in));
        Variable b = bias ? param("bias", Tensor.zeros(out)) : null;
        if (rng != null) Init.pytorchDefault(w, b, rng);
    }

    /** With a bias. */
    public Linear(int in, int out, Rng rng) { this(in, out, true, rng); }

    /** {@code [..., in] -> [..., out]}. */
    @Override
    public Variable forward(Variable x) {
        return F.linear(x, weight(), bias());
    }

    public Variable weight() { return param("weight"); }

    /** The bias, or null. */
    public Variable bias() { return paramOrNull("bias"); }

    public int inFeatures() { return inFeatures; }

    public int outFeatures() { return outFeatures; }

    @Override
    protected String extraRepr() { return inFeatures + "->" + outFeatures + (bias() == null ? ", no bias" : ""); }
}
