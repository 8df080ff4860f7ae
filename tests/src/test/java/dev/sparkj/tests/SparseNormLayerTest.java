package dev.sparkj.tests;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.LayerNorm;
import dev.sparkj.nn.Module;
import dev.sparkj.sparse.ActiveMask;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static dev.sparkj.tests.SparseEncoderTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The BatchNorm2d and LayerNorm layers on sparse maps (both storages) vs independent dense formulas:
 * BatchNorm statistics over the visible positions only (biased variance to normalise, unbiased into
 * running_var, momentum 0.1), LayerNorm per visible position; gradients to the input and parameters.
 */
class SparseNormLayerTest {

    static List<ActiveMask> masks() {
        return List.of(new ActiveMask(2, 2, 3, new boolean[]{true, true, false, false, false, true, false, false, false, false, true, false}),
                ActiveMask.random(3, 2, 2, 0.75, new Rng(4)), ActiveMask.allVisible(2, 2, 2));
    }

    /** BatchNorm written out over the visible values of the masked input {@code xm} (mask m). */
    static Variable bnOracle(Variable xm, Tensor m, Variable gamma, Variable beta) {
        int c = xm.shape(1);
        double n = m.sum().item();
        int[] axes = {0, 2, 3};
        Variable mv = Variable.of(m);
        Variable mean = F.div(F.sum(xm, axes, true), n);
        Variable xc = F.mul(F.sub(xm, mean), mv);
        Variable var = F.div(F.sum(F.square(xc), axes, true), n);
        Variable y = F.mul(F.div(xc, F.sqrt(F.add(var, 1e-5))), F.reshape(gamma, 1, c, 1, 1));
        return F.mul(F.add(y, F.reshape(beta, 1, c, 1, 1)), mv);
    }

    /** Layer output (masked dense) and input / parameter gradients for a random projection. */
    static Tensor[] run(Module layer, ActiveMask mask, Tensor x, SparseMap.Mode mode, Function<Variable, Variable> oracle) {
        Variable xv = Variable.param(x);
        Variable y;
        if (oracle != null) y = oracle.apply(F.mul(xv, Variable.of(mask.layoutFor(x.shape(2), x.shape(3)).denseMask())));
        else {
            SparseMap out = (SparseMap) ((dev.sparkj.nn.ImageLayer) layer).forward((FeatureMap) SparseMap.of(xv, mask, mode));
            assertEquals(mode, out.mode());
            y = out.toMaskedDense();
        }
        F.sum(F.mul(y, Variable.of(new Rng(5).normal(0, 1, y.shape())))).backward();
        List<Variable> ps = layer.parameters();
        Tensor[] r = new Tensor[2 + ps.size()];
        r[0] = y.data();
        r[1] = xv.grad();
        for (int i = 0; i < ps.size(); i++) r[2 + i] = ps.get(i).grad();
        layer.zeroGrad();
        return r;
    }

    static void assertAllClose(Tensor[] e, Tensor[] a, String what) {
        String[] names = {"output", "input gradient", "gamma gradient", "beta gradient"};
        for (int i = 0; i < e.length; i++) assertClose(e[i], a[i], 1e-4, what + " " + names[i]);
    }

    static BatchNorm2d bn(int c, Rng rng) {
        BatchNorm2d bn = new BatchNorm2d(c);
        bn.weight().setData(rng.normal(1, 0.3, c));
        bn.bias().setData(rng.normal(0, 0.3, c));
        return bn;
    }

    @Test
    void batchNormTrainsOnVisibleStatistics() {
        Rng rng = new Rng(11);
        for (ActiveMask mask : masks()) {
            int c = 3, t = 4;
            Tensor x = rng.normal(1, 2, mask.batch(), c, t * mask.h(), t * mask.w());
            Tensor m = mask.upsample(t);
            BatchNorm2d layer = bn(c, rng);
            Tensor[] expected = run(layer, mask, x, null, xm -> bnOracle(xm, m, layer.weight(), layer.bias()));
            for (SparseMap.Mode mode : SparseMap.Mode.values()) {
                BatchNorm2d fresh = new BatchNorm2d(c);
                fresh.weight().setData(layer.weight().data());
                fresh.bias().setData(layer.bias().data());
                assertAllClose(expected, run(fresh, mask, x, mode, null), "BatchNorm " + mode);
                // running statistics after one step: momentum 0.1, unbiased variance of the visible values
                double[] xv = x.toDoubleArray(), mv = m.toDoubleArray();
                int hw = mv.length / mask.batch();
                for (int ch = 0; ch < c; ch++) {
                    double s = 0, ss = 0, n = 0;
                    for (int b = 0; b < mask.batch(); b++)
                        for (int p = 0; p < hw; p++) {
                            if (mv[b * hw + p] == 0) continue;
                            double v = xv[(b * c + ch) * hw + p];
                            s += v; ss += v * v; n++;
                        }
                    double mean = s / n, unbiased = (ss - n * mean * mean) / (n - 1);
                    assertEquals(0.1 * mean, fresh.namedBuffers().get("running_mean").get(ch), 1e-5, "running mean " + mode);
                    assertEquals(0.9 + 0.1 * unbiased, fresh.namedBuffers().get("running_var").get(ch), 1e-4, "running var " + mode);
                }
                assertEquals(1.0, fresh.namedBuffers().get("num_batches_tracked").item());
            }
        }
    }

    @Test
    void batchNormEvalUsesRunningStatistics() {
        Rng rng = new Rng(13);
        for (ActiveMask mask : masks()) {
            int c = 3;
            Tensor x = rng.normal(0, 1, mask.batch(), c, 2 * mask.h(), 2 * mask.w());
            BatchNorm2d layer = bn(c, rng);
            Tensor rm = rng.normal(0, 1, c), rv = rng.uniform(0.5, 2, c);
            layer.namedBuffers().get("running_mean").copyFrom(rm);
            layer.namedBuffers().get("running_var").copyFrom(rv);
            layer.eval();
            Tensor m = mask.upsample(2);
            Tensor[] expected = run(layer, mask, x, null, xm -> F.mul(F.add(F.mul(F.div(F.sub(xm, Variable.of(rm.reshape(1, c, 1, 1))),
                            Variable.of(rv.add(1e-5).sqrt().reshape(1, c, 1, 1))), F.reshape(layer.weight(), 1, c, 1, 1)),
                    F.reshape(layer.bias(), 1, c, 1, 1)), Variable.of(m)));
            for (SparseMap.Mode mode : SparseMap.Mode.values())
                assertAllClose(expected, run(layer, mask, x, mode, null), "BatchNorm eval " + mode);
        }
    }

    @Test
    void layerNormBothFormsNormaliseEachVisiblePosition() {
        Rng rng = new Rng(14);
        for (ActiveMask mask : masks()) {
            int c = 5;
            Tensor x = rng.normal(0, 3, mask.batch(), c, 2 * mask.h(), 2 * mask.w());
            Tensor m = mask.upsample(2);
            for (boolean channelsFirst : new boolean[]{true, false}) {
                LayerNorm layer = new LayerNorm(c, 1e-6, channelsFirst);
                layer.weight().setData(rng.normal(1, 0.3, c));
                layer.bias().setData(rng.normal(0, 0.3, c));
                Tensor[] expected = run(layer, mask, x, null, xm -> {
                    Variable v = F.permute(xm, 0, 2, 3, 1);
                    Variable xc = F.sub(v, F.mean(v, new int[]{3}, true));
                    Variable y = F.div(xc, F.sqrt(F.add(F.mean(F.square(xc), new int[]{3}, true), 1e-6)));
                    y = F.add(F.mul(y, layer.weight()), layer.bias());
                    return F.mul(F.permute(y, 0, 3, 1, 2), Variable.of(m));
                });
                for (SparseMap.Mode mode : SparseMap.Mode.values())
                    assertAllClose(expected, run(layer, mask, x, mode, null), "LayerNorm channelsFirst=" + channelsFirst + " " + mode);
            }
        }
    }
}
