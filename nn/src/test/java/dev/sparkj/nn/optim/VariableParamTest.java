package dev.sparkj.nn.optim;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Optimizers driving autograd leaves: gradients from backward, values updated, gradients zeroed. */
class VariableParamTest {
    @Test
    void sgdStepsOnBackwardGradients() {
        // loss = sum(w^2) -> grad 2w; w = [3, 4] -> grad [6, 8]; SGD lr 0.1: w = [3 - 0.6, 4 - 0.8] = [2.4, 3.2]
        Variable w = Variable.param(Tensor.of(new float[]{3, 4}, 1, 2));
        Variable frozen = new Variable(Tensor.of(new float[]{1}, 1), false);
        Map<String, Variable> named = new LinkedHashMap<>();
        named.put("fc.weight", w);
        named.put("frozen.bias", frozen);
        List<ParamGroup> gs = ParamGroups.pretrain(ParamRef.of(named), 0.1);
        assertEquals(1, gs.size()); // the frozen parameter is left out
        Sgd opt = new Sgd(gs, Sgd.Options.plain());
        F.sum(F.square(w)).backward();
        assertArrayEquals(new float[]{6, 8}, w.grad().toFloatArray());
        opt.step();
        assertArrayEquals(new float[]{2.4f, 3.2f}, w.data().toFloatArray(), 1e-6f);
        opt.zeroGrad();
        assertArrayEquals(new float[]{0, 0}, w.grad().toFloatArray());
        opt.zeroGrad(true);
        assertNull(w.grad());
    }
}
