package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.sparkj.sparse.SparseTesting.*;
import static org.junit.jupiter.api.Assertions.*;

/** Sparse BatchNorm (statistics over visible positions, running statistics) and LayerNorm vs independent dense computations. */
class SparseNormTest {

    static List<ActiveMask> masks() {
        return List.of(patterned(), SparseTesting.random(3, 2, 2, 1, 4), ActiveMask.allVisible(2, 2, 2));
    }

    /** BatchNorm written out over the visible values: mean / biased var per channel from the masked input. */
    static Variable bnOracle(Variable xm, Tensor m, Variable gamma, Variable beta, double eps) {
        int c = xm.shape(1);
        double n = m.sum().item();
        int[] axes = {0, 2, 3};
        Variable mv = Variable.of(m);
        Variable mean = F.div(F.sum(xm, axes, true), n);
        Variable xc = F.mul(F.sub(xm, mean), mv);
        Variable var = F.div(F.sum(F.square(xc), axes, true), n);
        Variable y = F.mul(F.div(xc, F.sqrt(F.add(var, eps))), F.reshape(gamma, 1, c, 1, 1));
        return F.mul(F.add(y, F.reshape(beta, 1, c, 1, 1)), mv);
    }

    @Test
    void batchNormTrainingEqualsVisibleStatistics() {
        Rng rng = new Rng(11);
        for (ActiveMask mask : masks()) {
            int c = 3;
            Tensor x = normal(rng, mask.batch(), c, 4 * mask.h(), 4 * mask.w()).mul(2).add(1);
            Variable gamma = Variable.param(rng.normal(1, 0.3, c)), beta = Variable.param(rng.normal(0, 0.3, c));
            Tensor m = mask.upsample(4);
            Tensor rm = Tensor.zeros(c), rv = Tensor.ones(c);
            compare(mask, x, new Variable[]{gamma, beta},
                    s -> SparseOps.batchNorm(s, gamma, beta, rm, rv, true, 0.1, 1e-5, "bn1"),
                    xm -> bnOracle(xm, m, gamma, beta, 1e-5), 1e-4);
            // running statistics (updated once by the packed run): momentum 0.1, unbiased variance
            double[] xv = x.toDoubleArray(), mv = m.toDoubleArray();
            int hw = 16 * mask.h() * mask.w();
            for (int ch = 0; ch < c; ch++) {
                double s = 0, ss = 0, n = 0;
                for (int b = 0; b < mask.batch(); b++)
                    for (int p = 0; p < hw; p++) {
                        if (mv[b * hw + p] == 0) continue;
                        double v = xv[(b * c + ch) * hw + p];
                        s += v; ss += v * v; n++;
                    }
                double mean = s / n, unbiased = (ss - n * mean * mean) / (n - 1);
                assertEquals(0.1 * mean, rm.get(ch), 1e-5, "running mean after one packed step");
                assertEquals(0.9 + 0.1 * unbiased, rv.get(ch), 1e-4, "running var after one packed step");
            }
        }
    }

    @Test
    void batchNormMaskedDenseStorageUpdatesTheSameRunningStatistics() {
        Rng rng = new Rng(12);
        ActiveMask mask = patterned();
        Tensor x = normal(rng, 2, 4, 6, 6).add(0.5);
        Tensor rm1 = Tensor.zeros(4), rv1 = Tensor.ones(4), rm2 = Tensor.zeros(4), rv2 = Tensor.ones(4);
        SparseOps.batchNorm(SparseMap.of(Variable.of(x), mask, SparseMap.Mode.PACKED), null, null, rm1, rv1, true, 0.1, 1e-5, "bn");
        SparseOps.batchNorm(SparseMap.of(Variable.of(x), mask, SparseMap.Mode.MASKED_DENSE), null, null, rm2, rv2, true, 0.1, 1e-5, "bn");
        assertClose(rm2, rm1, 1e-5, "running mean");
        assertClose(rv2, rv1, 1e-5, "running var");
        assertNotEquals(0.0, rm1.get(0));
    }

    @Test
    void batchNormEvalUsesRunningStatistics() {
        Rng rng = new Rng(13);
        for (ActiveMask mask : masks()) {
            int c = 3;
            Tensor x = normal(rng, mask.batch(), c, 2 * mask.h(), 2 * mask.w());
            Variable gamma = Variable.param(rng.normal(1, 0.3, c)), beta = Variable.param(rng.normal(0, 0.3, c));
            Tensor rm = rng.normal(0, 1, c), rv = rng.uniform(0.5, 2, c);
            Tensor m = mask.upsample(2);
            compare(mask, x, new Variable[]{gamma, beta},
                    s -> SparseOps.batchNorm(s, gamma, beta, rm, rv, false, 0.1, 1e-5, "bn"),
                    xm -> F.mul(F.add(F.mul(F.div(F.sub(xm, Variable.of(rm.reshape(1, c, 1, 1))),
                                            Variable.of(rv.add(1e-5).sqrt().reshape(1, c, 1, 1))), F.reshape(gamma, 1, c, 1, 1)),
                                    F.reshape(beta, 1, c, 1, 1)), Variable.of(m)), 1e-5);
        }
    }

    @Test
    void layerNormEqualsPerPositionNormalisation() {
        Rng rng = new Rng(14);
        for (ActiveMask mask : masks()) {
            int c = 5;
            Tensor x = normal(rng, mask.batch(), c, 2 * mask.h(), 2 * mask.w()).mul(3);
            Variable gamma = Variable.param(rng.normal(1, 0.3, c)), beta = Variable.param(rng.normal(0, 0.3, c));
            Tensor m = mask.upsample(2);
            // channels_last written as the ConvNeXt block does: permute, normalise over the last axis, permute back
            compare(mask, x, new Variable[]{gamma, beta}, s -> SparseOps.layerNorm(s, gamma, beta, 1e-6), xm -> {
                Variable v = F.permute(xm, 0, 2, 3, 1);
                Variable xc = F.sub(v, F.mean(v, new int[]{3}, true));
                Variable y = F.div(xc, F.sqrt(F.add(F.mean(F.square(xc), new int[]{3}, true), 1e-6)));
                y = F.add(F.mul(y, gamma), beta);
                return F.mul(F.permute(y, 0, 3, 1, 2), Variable.of(m));
            }, 1e-4);
            compare(mask, x, new Variable[]{gamma, beta}, s -> SparseOps.layerNorm(s, gamma, beta, 1e-6), null, 1e-4);
        }
    }
}
