package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module tree: names, order, modes, state-dict loading and the sparse-map rejection. */
class ModuleTest {

    /** conv (no bias) + BN, like timm's downsample. */
    private static Sequential convBn() {
        return new Sequential(new Conv2d(2, 3, 1, 1, 0, false, new Rng(1)), new BatchNorm2d(3));
    }

    @Test
    void keysAndOrderFollowPyTorch() {
        Sequential s = new Sequential(convBn(), new ReLU(), new Linear(3, 2, new Rng(2)));
        assertEquals(List.of("0.0.weight", "0.1.weight", "0.1.bias", "2.weight", "2.bias"), List.copyOf(s.namedParameters().keySet()));
        assertEquals(List.of("0.1.running_mean", "0.1.running_var", "0.1.num_batches_tracked"), List.copyOf(s.namedBuffers().keySet()));
        assertEquals(List.of("0.0.weight", "0.1.weight", "0.1.bias", "0.1.running_mean", "0.1.running_var", "0.1.num_batches_tracked",
                "2.weight", "2.bias"), List.copyOf(s.stateDict().keySet()));
        assertTrue(s.namedParameters() instanceof LinkedHashMap);
        Tensor nbt = s.stateDict().get("0.1.num_batches_tracked");
        assertEquals(DType.I64, nbt.dtype());
        assertEquals(0, nbt.rank());
        assertEquals(DType.F32, s.stateDict().get("0.1.running_var").dtype());
        assertEquals("0.1", s.get(0).children().get("1").path());
        assertEquals(3 * 2 + 3 + 3 + 2 * 3 + 2, s.numParameters());
    }

    @Test
    void trainEvalPropagates() {
        Sequential s = new Sequential(convBn(), new Dropout(0.1, new Rng(3)));
        assertTrue(s.get(0).children().get("1").isTraining());
        s.eval();
        for (Module m : s.namedModules().values()) assertFalse(m.isTraining());
        s.train();
        for (Module m : s.namedModules().values()) assertTrue(m.isTraining());
    }

    @Test
    void loadStateDictCopiesInPlaceAndStripsModulePrefix() {
        Sequential s = convBn();
        Variable w = s.namedParameters().get("0.weight");
        Map<String, Tensor> st = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : s.stateDict().entrySet()) st.put("module." + e.getKey(), e.getValue().add(1));
        st.put("module.1.num_batches_tracked", Tensor.scalar(7, DType.I64, dev.sparkj.tensor.Backends.cpu()));
        double before = w.data().get(0, 0, 0, 0);
        StateDictReport r = s.loadStateDict(st, true);
        assertTrue(r.isClean());
        assertSame(w, s.namedParameters().get("0.weight"), "parameters keep their identity");
        assertEquals(before + 1, w.data().get(0, 0, 0, 0), 1e-6);
        assertEquals(7, s.namedBuffers().get("1.num_batches_tracked").item());
        assertEquals(DType.I64, s.namedBuffers().get("1.num_batches_tracked").dtype());
        assertEquals(2, s.namedBuffers().get("1.running_var").get(0), 1e-7);
    }

    @Test
    void strictLoadReportsEveryProblemAtOnce() {
        Sequential s = convBn();
        Map<String, Tensor> st = new LinkedHashMap<>(s.stateDict());
        st.remove("1.bias");
        st.remove("1.running_mean");
        st.put("1.extra", Tensor.zeros(3));
        st.put("imn_m", Tensor.zeros(3));
        st.put("0.weight", Tensor.zeros(3, 2, 3, 3));
        StateDictException e = assertThrows(StateDictException.class, () -> s.loadStateDict(st, true));
        assertEquals(List.of("1.bias", "1.running_mean"), e.report().missing());
        assertEquals(List.of("1.extra", "imn_m"), e.report().unexpected());
        assertEquals(1, e.report().mismatched().size());
        String msg = e.getMessage();
        for (String k : List.of("1.bias", "1.running_mean", "1.extra", "imn_m", "0.weight: checkpoint [3, 2, 3, 3] vs model [3, 2, 1, 1]"))
            assertTrue(msg.contains(k), () -> "message lacks " + k + ":\n" + msg);
        // nothing was modified by the failed strict load
        assertEquals(0, s.namedBuffers().get("1.running_mean").get(0));
        // non-strict: loads what matches, returns the same report
        StateDictReport r = s.loadStateDict(st, false);
        assertEquals(e.report(), r);
    }

    @Test
    void setParameterSwapsTheVariable() {
        Linear l = new Linear(2, 1, new Rng(4));
        Variable w = Variable.param(Tensor.of(new float[]{2, 3}, 1, 2));
        l.setParameter("weight", w);
        l.setParameter("bias", Variable.param(Tensor.of(new float[]{1}, 1)));
        assertEquals(2 * 1 + 3 * 2 + 1, l.forward(Variable.of(Tensor.of(new float[]{1, 2}, 1, 2))).data().item(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> l.setParameter("weight", Variable.param(Tensor.zeros(2, 2))));
        assertThrows(IllegalArgumentException.class, () -> l.setParameter("nope", w));
    }

    @Test
    void sparseMapsAreRejectedWithTheLayerPath() {
        Sequential s = new Sequential(convBn(), new Dropout(0.5, new Rng(1)));
        SparseMap sm = SparseMap.of(Variable.of(Tensor.zeros(1, 2, 4, 4)), dev.sparkj.sparse.ActiveMask.allVisible(1, 1, 1), SparseMap.Mode.PACKED);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> s.forward((FeatureMap) sm));
        assertEquals("1 (Dropout p 0.5) has no sparse implementation", e.getMessage());
    }

    @Test
    void batchNormTrainingStatisticsAndRunningUpdate() {
        BatchNorm2d bn = new BatchNorm2d(2);
        // channel 0: 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1: all 10 (var 0)
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 10, 10, 10, 10}, 1, 2, 2, 2);
        double[] y = bn.forward(Variable.of(x)).data().toDoubleArray();
        double s = Math.sqrt(1.25 + 1e-5);
        assertArrayEquals(new double[]{-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, 0, 0, 0, 0}, y, 1e-6);
        assertArrayEquals(new double[]{0.25, 1.0}, bn.namedBuffers().get("running_mean").toDoubleArray(), 1e-6);
        assertArrayEquals(new double[]{0.9 + 0.1 * 5 / 3.0, 0.9}, bn.namedBuffers().get("running_var").toDoubleArray(), 1e-6);
        assertEquals(1, bn.namedBuffers().get("num_batches_tracked").item());
        bn.eval();
        double[] ye = bn.forward(Variable.of(x)).data().toDoubleArray();
        assertEquals((1 - 0.25) / Math.sqrt(0.9 + 0.1 * 5 / 3.0 + 1e-5), ye[0], 1e-6);
        assertEquals(1, bn.namedBuffers().get("num_batches_tracked").item(), "eval does not count");
    }

    @Test
    void batchStatsMergeEqualsWholeBatch() {
        Tensor a = new Rng(5).normal(3, 2, 4, 3, 2, 2), b = new Rng(6).normal(-1, 0.5, 2, 3, 2, 2);
        BatchStats whole = BatchStats.of(Tensor.cat(0, a, b)), merged = BatchStats.of(a).merge(BatchStats.of(b));
        assertEquals(whole.count(), merged.count());
        assertArrayEquals(whole.mean(), merged.mean(), 1e-5);
        assertArrayEquals(whole.variance(1), merged.variance(1), 1e-5);
    }

    /**
     * The one-pass statistics on float32 (row-major planes, channels-last rows over several fixed blocks, packed
     * rows) against sums taken in double straight from the definition, with |mean| a thousand times the spread
     * (the case where Σx² - n mean² would cancel).
     */
    @Test
    void batchStatsOnePassMatchesDefinition() {
        Tensor x = new Rng(9).normal(0, 0.01, 3, 7, 40, 30).add(1000); // float32: 3600 rows of 7 channels
        double[] v = x.toDoubleArray();
        int n = 3, c = 7, hw = 1200;
        double[] mean = new double[c], m2 = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int i = 0; i < n; i++) for (int j = 0; j < hw; j++) s += v[(i * c + ch) * hw + j];
            mean[ch] = s / (n * hw);
            for (int i = 0; i < n; i++) for (int j = 0; j < hw; j++) {
                double d = v[(i * c + ch) * hw + j] - mean[ch];
                m2[ch] += d * d;
            }
        }
        Tensor rows = x.permute(0, 2, 3, 1).contiguous().reshape(n * hw, c);
        for (Tensor t : new Tensor[]{x.contiguous(), x.toChannelsLast(), rows}) {
            BatchStats st = BatchStats.of(t);
            assertEquals((long) n * hw, st.count());
            for (int ch = 0; ch < c; ch++) {
                assertEquals(mean[ch], st.mean()[ch], 1e-9 * 1000, "mean of channel " + ch);
                assertEquals(m2[ch], st.m2()[ch], 1e-6 * m2[ch], "M2 of channel " + ch);
            }
        }
    }

    @Test
    void layerNormChannelsFirstEqualsChannelsLastOnPermutedInput() {
        LayerNorm cf = Checks.randomize(LayerNorm.channelsFirst(3, 1e-6), 7), cl = LayerNorm.channelsLast(3, 1e-6);
        cl.loadStateDict(cf.stateDict(), true);
        Tensor x = new Rng(8).normal(0, 1, 2, 3, 2, 2);
        double[] a = cf.forward(Variable.of(x)).data().toDoubleArray();
        double[] b = cl.forward(Variable.of(x.permute(0, 2, 3, 1))).data().permute(0, 3, 1, 2).toDoubleArray();
        assertArrayEquals(a, b, 1e-6);
    }
}
