package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimizer's state as named tensors and named scalars, laid out like PyTorch's
 * {@code optimizer.state_dict()} flattened with dots: {@code state.<i>.exp_avg},
 * {@code state.<i>.momentum_buffer}, {@code state.<i>.step} for the parameter with index {@code i}
 * (counted across groups in order, as PyTorch numbers them), and {@code param_groups.<g>.lr},
 * {@code param_groups.<g>.weight_decay}, {@code param_groups.<g>.step} (LAMB) for group {@code g}.
 * A checkpoint writes the tensors as-is and the scalars as F64 values.
 */
public record OptimizerState(Map<String, Tensor> tensors, Map<String, Double> scalars) {
    public OptimizerState {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        scalars = Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
    }
}
