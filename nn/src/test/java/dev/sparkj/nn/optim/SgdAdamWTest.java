package dev.sparkj.nn.optim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sparkj.nn.optim.OptimTestSupport.close;
import static dev.sparkj.nn.optim.OptimTestSupport.group;
import static dev.sparkj.nn.optim.OptimTestSupport.param;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** SGD and AdamW steps against values worked out by hand from PyTorch 1.13's update rules. */
class SgdAdamWTest {
    static final double REL = 3e-7;

    @Test
    void sgdNesterovWithWeightDecay() {
        // p = [1, 2], g = [0.5, -1] both steps, lr 0.1, wd 0.01, momentum 0.9, Nesterov
        ParamRef p = param(new float[]{1, 2}, new float[]{0.5f, -1}, 2);
        Sgd opt = new Sgd(List.of(group("g", 0.1, 0.01, "p", p)), Sgd.Options.spark());
        // step 1: d = g + 0.01 p = [0.51, -0.98]; buf = d; d' = d + 0.9 buf = [0.969, -1.862]
        //         p = [1 - 0.0969, 2 + 0.1862] = [0.9031, 2.1862]
        opt.step();
        close(new double[]{0.9031, 2.1862}, p.value(), REL);
        close(new double[]{0.51, -0.98}, opt.state().tensors().get("state.0.momentum_buffer"), REL);
        // step 2: d = [0.5 + 0.009031, -1 + 0.021862] = [0.509031, -0.978138]
        //         buf = 0.9 [0.51, -0.98] + d = [0.968031, -1.860138]
        //         d' = d + 0.9 buf = [1.3802589, -2.6522622]; p = [0.9031 - 0.13802589, 2.1862 + 0.26522622]
        opt.step();
        close(new double[]{0.968031, -1.860138}, opt.state().tensors().get("state.0.momentum_buffer"), REL);
        close(new double[]{0.76507411, 2.45142622}, p.value(), REL);
    }

    @Test
    void sgdHeavyBallWithDampening() {
        // momentum 0.9, dampening 0.1, no wd, lr 0.1; step 1: buf = g = [0.5, -1] (no dampening on the first step)
        // p = [1 - 0.05, 2 + 0.1] = [0.95, 2.1]; step 2: buf = 0.9 buf + 0.9 g = [0.9, -1.8]; p = [0.95 - 0.09, 2.1 + 0.18]
        ParamRef p = param(new float[]{1, 2}, new float[]{0.5f, -1}, 2);
        Sgd opt = new Sgd(List.of(group("g", 0.1, 0, "p", p)), new Sgd.Options(0.9, 0.1, false));
        opt.step();
        close(new double[]{0.95, 2.1}, p.value(), REL);
        opt.step();
        close(new double[]{0.86, 2.28}, p.value(), REL);
    }

    @Test
    void sgdPlainAndNesterovValidation() {
        // no momentum: p = [1, 2] - 0.1 [0.5, -1] = [0.95, 2.1], and no state
        ParamRef p = param(new float[]{1, 2}, new float[]{0.5f, -1}, 2);
        Sgd opt = new Sgd(List.of(group("g", 0.1, 0, "p", p)), Sgd.Options.plain());
        opt.step();
        close(new double[]{0.95, 2.1}, p.value(), REL);
        assertEquals(0, opt.state().tensors().size());
        assertThrows(IllegalArgumentException.class, () -> new Sgd.Options(0, 0, true));
    }

    @Test
    void adamWDecoupledDecayAndBiasCorrection() {
        // p = [1, -2], lr 0.01, wd 0.1, betas (0.9, 0.999), eps 1e-8
        ParamRef p = param(new float[]{1, -2}, new float[]{0.1f, 0.2f}, 2);
        AdamW opt = new AdamW(List.of(group("g", 0.01, 0.1, "p", p)), AdamW.Options.defaults());
        // step 1: p *= 1 - 0.01 * 0.1 = 0.999 -> [0.999, -1.998]
        //   m = 0.1 g = [0.01, 0.02], v = 0.001 g^2 = [1e-5, 4e-5], bc1 = 0.1, bc2 = 0.001
        //   denom = sqrt(v) / sqrt(0.001) + 1e-8 = [0.10000001, 0.20000001]; step size = 0.01 / 0.1 = 0.1
        //   p = [0.999 - 0.1 * 0.01 / 0.10000001, -1.998 - 0.1 * 0.02 / 0.20000001] = [0.9890000010, -2.0079999995]
        opt.step();
        close(new double[]{0.9890000010, -2.0079999995}, p.value(), REL);
        // step 2 with g = [-0.3, 0.2]: p *= 0.999 -> [0.9880110010, -2.0059919995]
        //   m = 0.9 m + 0.1 g = [0.009 - 0.03, 0.018 + 0.02] = [-0.021, 0.038]
        //   v = 0.999 v + 0.001 g^2 = [0.00000999 + 0.00009, 0.00003996 + 0.00004] = [0.00009999, 0.00007996]
        //   bc1 = 1 - 0.81 = 0.19, bc2 = 1 - 0.998001 = 0.001999
        //   denom = [sqrt(0.00009999 / 0.001999), sqrt(0.00007996 / 0.001999)] + 1e-8 = [0.2236515470, 0.2000000100]
        //   step size = 0.01 / 0.19 = 0.0526315789
        //   p = [0.9880110010 + 0.0526315789 * 0.021 / 0.2236515470, -2.0059919995 - 0.0526315789 * 0.038 / 0.2000000100]
        //     = [0.9880110010 + 0.0049418981, -2.0059919995 - 0.0099999995] = [0.9929528991, -2.0159919990]
        p.setGrad(dev.sparkj.tensor.Tensor.of(new float[]{-0.3f, 0.2f}, 2));
        opt.step();
        close(new double[]{-0.021, 0.038}, opt.state().tensors().get("state.0.exp_avg"), REL);
        close(new double[]{0.00009999, 0.00007996}, opt.state().tensors().get("state.0.exp_avg_sq"), 1e-6);
        close(new double[]{0.9929528991, -2.0159919990}, p.value(), REL);
        assertEquals(2.0, opt.state().scalars().get("state.0.step"));
    }

    @Test
    void adamWStepCountIsPerParameter() {
        // q has no gradient at step 1, so its first update (at the optimizer's second step) is a step-1 update:
        // g = 0.5: m = 0.05, v = 0.00025, bc1 = 0.1 (step size 0.01 / 0.1 = 0.1), denom = sqrt(0.00025 / 0.001) + 1e-8
        // = 0.50000001; q = 1 - 0.1 * 0.05 / 0.50000001 = 1 - 0.0099999998 = 0.9900000002 (wd 0)
        ParamRef p = param(new float[]{1}, new float[]{1}, 1);
        ParamRef q = param(new float[]{1}, null, 1);
        AdamW opt = new AdamW(List.of(group("g", 0.01, 0, "p", p, "q", q)), AdamW.Options.defaults());
        opt.step();
        assertArrayEquals(new float[]{1}, q.value().toFloatArray());
        q.setGrad(dev.sparkj.tensor.Tensor.of(new float[]{0.5f}, 1));
        opt.step();
        close(new double[]{0.99}, q.value(), REL);
        assertEquals(2.0, opt.state().scalars().get("state.0.step"));
        assertEquals(1.0, opt.state().scalars().get("state.1.step"));
    }
}
