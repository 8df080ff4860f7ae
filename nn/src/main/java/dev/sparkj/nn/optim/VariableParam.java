package dev.sparkj.nn.optim;

import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;

/** The {@link ParamRef} of an autograd leaf {@link Variable}: its data, its gradient, and their setters. */
public record VariableParam(Variable variable) implements ParamRef {
    public VariableParam {
        if (!variable.isLeaf()) throw new IllegalArgumentException("an optimizer updates leaves only, not " + variable);
    }

    @Override public Tensor value() { return variable.data(); }
    @Override public void set(Tensor value) { variable.setData(value); }
    @Override public Tensor grad() { return variable.grad(); }
    @Override public void setGrad(Tensor grad) { variable.setGrad(grad); }
    @Override public boolean requiresGrad() { return variable.requiresGrad(); }
}
