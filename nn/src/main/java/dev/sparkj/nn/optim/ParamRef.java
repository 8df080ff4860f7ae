package dev.sparkj.nn.optim;

import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an optimizer needs to know about one trainable parameter: its current value, its gradient,
 * and a way to replace either. Model parameters are autograd {@link Variable}s ({@link #of(Variable)},
 * {@link #of(Map)}); {@link TensorParam} holds a bare tensor.
 *
 * <p>Optimizers read {@link #grad()} afresh on every step, so a gradient may be swapped for a view into a
 * flat all-reduce bucket between steps. The fused update path writes into the value's and gradient's
 * storage in place (like PyTorch's {@code p.add_}); the composed path calls {@link #set} / {@link #setGrad}.
 */
public interface ParamRef {
    /** The current value. */
    Tensor value();

    /** Replaces the value (same shape). */
    void set(Tensor value);

    /** The accumulated gradient, or null when none was computed. */
    Tensor grad();

    /** Replaces the gradient (null clears it). */
    void setGrad(Tensor grad);

    /** False for frozen parameters, which parameter-group builders leave out. */
    default boolean requiresGrad() { return true; }

    /** The parameter view of an autograd leaf. */
    static ParamRef of(Variable v) { return new VariableParam(v); }

    /** A model's {@code namedParameters()} as parameter views, in the same order. */
    static Map<String, ParamRef> of(Map<String, Variable> named) {
        LinkedHashMap<String, ParamRef> out = new LinkedHashMap<>();
        for (Map.Entry<String, Variable> e : named.entrySet()) out.put(e.getKey(), new VariableParam(e.getValue()));
        return out;
    }

    /** A plain holder of a value and a gradient. */
    static ParamRef of(Tensor value) { return new TensorParam(value, null, true); }

    /** A plain holder with a gradient already set. */
    static ParamRef of(Tensor value, Tensor grad) { return new TensorParam(value, grad, true); }
}
