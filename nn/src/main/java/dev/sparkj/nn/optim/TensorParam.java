package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;

import java.util.Arrays;
import java.util.Objects;

/** The simplest {@link ParamRef}: a mutable holder of a value tensor and its gradient. */
public final class TensorParam implements ParamRef {
    private Tensor value;
    private Tensor grad;
    private final boolean requiresGrad;

    public TensorParam(Tensor value, Tensor grad, boolean requiresGrad) {
        this.value = Objects.requireNonNull(value, "value");
        this.requiresGrad = requiresGrad;
        setGrad(grad);
    }

    @Override public Tensor value() { return value; }

    @Override
    public void set(Tensor v) {
        if (!Arrays.equals(v.shape(), value.shape()))
            throw new IllegalArgumentException("new value of shape " + Arrays.toString(v.shape()) + " for parameter of shape " + Arrays.toString(value.shape()));
        value = v;
    }

    @Override public Tensor grad() { return grad; }

    @Override
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape(), value.shape()))
            throw new IllegalArgumentException("gradient of shape " + Arrays.toString(g.shape()) + " for parameter of shape " + Arrays.toString(value.shape()));
        grad = g;
    }

    @Override public boolean requiresGrad() { return requiresGrad; }
}
