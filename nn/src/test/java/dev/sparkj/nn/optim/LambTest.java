package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sparkj.nn.optim.OptimTestSupport.close;
import static dev.sparkj.nn.optim.OptimTestSupport.group;
import static dev.sparkj.nn.optim.OptimTestSupport.param;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** LAMB steps against values worked out by hand from the reference formulas. */
class LambTest {
    static final double REL = 3e-7; // a few float32 ulps

    @Test
    void clipsAboveMaxNormThenAdaptsOnlyTheDecayedGroup() {
        // w (2-D, decay group, wd 0.1) = [3, 4], grad [4, 8];  b (1-D, no-decay group, wd 0) = [1, -2], grad [2, 4]
        // global norm = sqrt(16 + 64 + 4 + 16) = sqrt(100) = 10 > 5  ->  c = 10 / 5 = 2, grads scaled by 1/2
        ParamRef w = param(new float[]{3, 4}, new float[]{4, 8}, 1, 2);
        ParamRef b = param(new float[]{1, -2}, new float[]{2, 4}, 2);
        Lamb opt = new Lamb(List.of(group("decay", 0.01, 0.1, "w", w), group("no_decay", 0.01, 0, "b", b)),
                Lamb.Options.sparkPretrain(0.999));
        opt.step();
        assertEquals(10.0, opt.lastGlobalGradNorm(), 0);
        // the gradients hold the clipped values afterwards (in-place clipping)
        assertArrayEquals(new float[]{2, 4}, w.grad().toFloatArray());
        assertArrayEquals(new float[]{1, 2}, b.grad().toFloatArray());
        // step 1: m = 0.1 g, v = 0.001 g^2; bc1 = 0.1, bc2 = 0.001 -> m/bc1 = g, sqrt(v)/sqrt(bc2) = |g|
        // u = g / (|g| + 1e-6):  w: [2/2.000001, 4/4.000001] = [0.9999995000, 0.9999997500]
        // + wd p = + 0.1 [3, 4]  ->  u = [1.2999995000, 1.3999997500], ||u|| = 1.9104967940, ||p|| = 5
        // trust ratio 5 / 1.9104967940 = 2.6171203300;  p = [3, 4] - 0.01 * 2.6171203300 * u
        //   = [3 - 0.0340225512, 4 - 0.0366396781] = [2.9659774488, 3.9633603219]
        close(new double[]{2.9659774488, 3.9633603219}, w.value(), REL);
        // b: wd 0 -> no trust ratio: p = [1 - 0.01 * 1/1.000001, -2 - 0.01 * 2/2.000001] = [0.9900000100, -2.0099999950]
        close(new double[]{0.9900000100, -2.0099999950}, b.value(), REL);
        // state: m = 0.1 * [2, 4], v = 0.001 * [4, 16]
        var st = opt.state();
        close(new double[]{0.2, 0.4}, st.tensors().get("state.0.exp_avg"), REL);
        close(new double[]{0.004, 0.016}, st.tensors().get("state.0.exp_avg_sq"), REL);
        assertEquals(1.0, st.scalars().get("param_groups.0.step"));
        assertEquals(1.0, st.scalars().get("param_groups.1.step"));
    }

    @Test
    void belowMaxNormGradientsAreLeftAlone() {
        // grad [0.6, 0.8]: norm 1 <= 5 -> c = 1 (multiplying by 1 changes nothing)
        ParamRef p = param(new float[]{3, 4}, new float[]{0.6f, 0.8f}, 2);
        Lamb opt = new Lamb(List.of(group("g", 0.1, 0, "p", p)), Lamb.Options.sparkPretrain(0.95));
        opt.step();
        assertArrayEquals(new float[]{0.6f, 0.8f}, p.grad().toFloatArray());
        assertEquals(1.0, opt.lastGlobalGradNorm(), 1e-7);
        // u = g / (|g| + 1e-6) (bias correction cancels for any beta2 at step 1); no wd -> no ratio
        // p = [3 - 0.1 * 0.6/0.600001, 4 - 0.1 * 0.8/0.800001] = [2.9000001667, 3.9000001250]
        close(new double[]{2.9000001667, 3.9000001250}, p.value(), REL);
    }

    @Test
    void epsIsAddedAfterTheBiasCorrectedRootAndBiasCorrectionCanBeOff() {
        // p = 0, lr 1, wd 0, no adapt: p after one step = -u, so u is observed directly.
        // With bias correction: u = g / (|g| + eps): g = 1e-6 -> 1e-6 / 2e-6 = 0.5;  g = -3e-6 -> -3e-6 / 4e-6 = -0.75
        ParamRef p = param(new float[]{0, 0}, new float[]{1e-6f, -3e-6f}, 2);
        new Lamb(List.of(group("g", 1, 0, "p", p)), Lamb.Options.sparkPretrain(0.999)).step();
        close(new double[]{-0.5, 0.75}, p.value(), REL);
        // Without: u = 0.1 g / (sqrt(0.001) |g| + eps) = 0.1 g / (0.0316227766 |g| + 1e-6)
        //   g = 1e-6: 1e-7 / 1.0316227766e-6 = 0.0969346570;  g = -3e-6: -3e-7 / 1.0948683298e-6 = -0.2740055510
        ParamRef q = param(new float[]{0, 0}, new float[]{1e-6f, -3e-6f}, 2);
        Lamb.Options noBc = new Lamb.Options(0.9, 0.999, 1e-6, false, true, 5.0, false, false, true);
        new Lamb(List.of(group("g", 1, 0, "q", q)), noBc).step();
        close(new double[]{-0.0969346570, 0.2740055510}, q.value(), 1e-6);
    }

    @Test
    void biasCorrectionTracksTheGroupStep() {
        // constant grad g: step t has m = (1 - 0.9^t) g and v = (1 - 0.999^t) g^2, so with bias correction
        // u = g / (|g| + eps) at every step. g = [1e-6, -1e-6] -> u = [0.5, -0.5]; lr 1, p0 = 0:
        // after step 1: p = [-0.5, 0.5]; after step 2: [-1, 1]
        ParamRef p = param(new float[]{0, 0}, new float[]{1e-6f, -1e-6f}, 2);
        Lamb opt = new Lamb(List.of(group("g", 1, 0, "p", p)), Lamb.Options.sparkPretrain(0.999));
        opt.step();
        opt.step();
        close(new double[]{-1, 1}, p.value(), 1e-6);
        assertEquals(2.0, opt.state().scalars().get("param_groups.0.step"));
    }

    @Test
    void trustRatioNeedsWeightDecayUnlessAlwaysAdapt() {
        // eps 0 so that u = sign(g) at step 1: g = [1, -1] -> u = [1, -1]; p = [3, 4], lr 0.01, wd 0
        Lamb.Options plain = new Lamb.Options(0.9, 0.999, 0, true, true, 5.0, false, false, true);
        Lamb.Options adapt = new Lamb.Options(0.9, 0.999, 0, true, true, 5.0, false, true, true);
        ParamRef a = param(new float[]{3, 4}, new float[]{1, -1}, 2);
        new Lamb(List.of(group("g", 0.01, 0, "a", a)), plain).step();
        // no ratio: p = [3 - 0.01, 4 + 0.01]
        close(new double[]{2.99, 4.01}, a.value(), REL);
        ParamRef b = param(new float[]{3, 4}, new float[]{1, -1}, 2);
        new Lamb(List.of(group("g", 0.01, 0, "b", b)), adapt).step();
        // always adapt: ratio = ||p|| / ||u|| = 5 / sqrt(2) = 3.5355339059; p = [3 - 0.0353553391, 4 + 0.0353553391]
        close(new double[]{2.9646446609, 4.0353553391}, b.value(), REL);
    }

    @Test
    void trustClipCapsTheRatioAtOne() {
        // same as above with trust_clip: ratio min(3.5355, 1) = 1 -> p = [2.99, 4.01]
        Lamb.Options clip = new Lamb.Options(0.9, 0.999, 0, true, true, 5.0, true, true, true);
        ParamRef b = param(new float[]{3, 4}, new float[]{1, -1}, 2);
        new Lamb(List.of(group("g", 0.01, 0, "b", b)), clip).step();
        close(new double[]{2.99, 4.01}, b.value(), REL);
    }

    @Test
    void zeroNormsGiveRatioOne() {
        // zero weights with wd 0.5: ||p|| = 0 -> ratio 1; u = g/(|g|+eps) + 0 = [0.5, -0.5] for g = [1e-6, -1e-6]
        ParamRef z = param(new float[]{0, 0}, new float[]{1e-6f, -1e-6f}, 1, 2);
        new Lamb(List.of(group("g", 1, 0.5, "z", z)), Lamb.Options.sparkPretrain(0.999)).step();
        close(new double[]{-0.5, 0.5}, z.value(), 1e-6);
        // zero gradient, always adapt, wd 0: u = 0 / (0 + eps) = 0 -> ||u|| = 0 -> ratio 1 -> p unchanged
        ParamRef q = param(new float[]{3, 4}, new float[]{0, 0}, 1, 2);
        new Lamb(List.of(group("g", 1, 0, "q", q)), Lamb.Options.sparkFineTune()).step();
        assertArrayEquals(new float[]{3, 4}, q.value().toFloatArray());
        // zero gradient with wd 0.5: u = 0.5 p = [1.5, 2]; ratio = 5 / 2.5 = 2; p = [3, 4] - 0.1 * 2 * [1.5, 2] = [2.7, 3.6]
        ParamRef r = param(new float[]{3, 4}, new float[]{0, 0}, 1, 2);
        new Lamb(List.of(group("g", 0.1, 0.5, "r", r)), Lamb.Options.sparkPretrain(0.999)).step();
        close(new double[]{2.7, 3.6}, r.value(), REL);
    }

    @Test
    void fineTuneVariantAdaptsWithoutBiasCorrection() {
        // timm Lamb(max_grad_norm=1e7, always_adapt=True, bias_correction=False), wd 0, lr 0.01
        // g = [2, -4] (norm 4.47 < 1e7), m = 0.1 g = [0.2, -0.4], v = 0.001 g^2 = [0.004, 0.016]
        // u = m / (sqrt(v) + 1e-6) = [0.2 / 0.0632465532, -0.4 / 0.1264921064] = [3.1622276610, -3.1622526604]
        // ||u|| = 4.4720829227, ratio = 5 / 4.4720829227 = 1.1180472470
        // p = [3 - 0.01 * 1.1180472470 * 3.1622276610, 4 + 0.01 * 1.1180472470 * 3.1622526604] = [2.9646448007, 4.0353554788]
        ParamRef p = param(new float[]{3, 4}, new float[]{2, -4}, 1, 2);
        new Lamb(List.of(group("g", 0.01, 0, "p", p)), Lamb.Options.sparkFineTune()).step();
        close(new double[]{2.9646448007, 4.0353554788}, p.value(), REL);
        assertArrayEquals(new float[]{2, -4}, p.grad().toFloatArray());
    }

    @Test
    void timmDividesByTheClipFactorWhereSparkMultipliesByItsReciprocal() {
        // grads [10, 20, 20]: norm sqrt(900) = 30, max 5 -> c = 6 (exact in float32)
        // timm: g / 6 ; SparK: g * (1 / 6) -- these differ in the last bit for 10 and 20
        Lamb.Options timm = new Lamb.Options(0.9, 0.999, 1e-6, true, true, 5.0, false, false, false);
        ParamRef a = param(new float[]{1, 1, 1}, new float[]{10, 20, 20}, 3);
        new Lamb(List.of(group("g", 0, 0, "a", a)), timm).step();
        assertArrayEquals(new float[]{10f / 6f, 20f / 6f, 20f / 6f}, a.grad().toFloatArray());
        ParamRef b = param(new float[]{1, 1, 1}, new float[]{10, 20, 20}, 3);
        new Lamb(List.of(group("g", 0, 0, "b", b)), Lamb.Options.sparkPretrain(0.999)).step();
        float inv = 1f / 6f;
        assertArrayEquals(new float[]{10f * inv, 20f * inv, 20f * inv}, b.grad().toFloatArray());
    }

    @Test
    void parametersWithoutGradientAreSkippedButCountTowardsNothing() {
        ParamRef a = param(new float[]{3, 4}, new float[]{0.6f, 0.8f}, 2);
        ParamRef idle = param(new float[]{7}, null, 1);
        Lamb opt = new Lamb(List.of(group("g", 0.1, 0, "a", a, "idle", idle)), Lamb.Options.sparkPretrain(0.999));
        opt.step();
        assertArrayEquals(new float[]{7}, idle.value().toFloatArray());
        assertEquals(1.0, opt.lastGlobalGradNorm(), 1e-7);
        assertEquals(null, opt.state().tensors().get("state.1.exp_avg"));
        Tensor m = opt.state().tensors().get("state.0.exp_avg");
        close(new double[]{0.06, 0.08}, m, REL);
    }
}
