package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The fused float-array loops against the composed Tensor-op path (same bits), and checkpoint round trips:
 * a fresh optimizer loaded with {@link Optimizer#state()} takes the same next step as the original.
 */
class OptimizerPathsTest {
    static final int[][] SHAPES = {{3, 4}, {5}, {2, 3, 1, 1}};

    /** Three parameters in two groups (2-D/4-D decayed, 1-D not), values from {@code seed}. */
    static List<ParamGroup> model(long seed) {
        Rng rng = new Rng(seed);
        Map<String, ParamRef> named = new LinkedHashMap<>();
        for (int i = 0; i < SHAPES.length; i++) named.put("p" + i + (SHAPES[i].length == 1 ? ".bias" : ".weight"),
                ParamRef.of(rng.normal(0, 1, SHAPES[i])));
        List<ParamGroup> gs = ParamGroups.pretrain(named, 0.05);
        LrWdSchedule.apply(gs, 0.05, 0.04);
        return gs;
    }

    /** Sets fresh gradients (scale large enough to trigger LAMB's clipping at 5) for step {@code t}. */
    static void grads(List<ParamGroup> gs, int t) {
        Rng rng = new Rng(1000 + t);
        for (ParamGroup g : gs) for (ParamRef p : g.params().values()) p.setGrad(rng.normal(0, 3, p.value().shape()));
    }

    static List<Tensor> snapshot(List<ParamGroup> gs) {
        List<Tensor> out = new ArrayList<>();
        for (ParamGroup g : gs) for (ParamRef p : g.params().values()) { out.add(p.value().copy()); out.add(p.grad().copy()); }
        return out;
    }

    static void sameBits(List<Tensor> a, List<Tensor> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray(), "tensor " + i);
    }

    static void sameState(OptimizerState a, OptimizerState b) {
        assertEquals(a.scalars(), b.scalars());
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String k : a.tensors().keySet()) assertArrayEquals(a.tensors().get(k).toFloatArray(), b.tensors().get(k).toFloatArray(), k);
    }

    static final List<Function<List<ParamGroup>, BaseOptimizer>> OPTIMIZERS = List.of(
            gs -> new Lamb(gs, Lamb.Options.sparkPretrain(0.95)),
            gs -> new Lamb(gs, Lamb.Options.sparkFineTune()),
            gs -> new AdamW(gs, AdamW.Options.withBeta2(0.95)),
            gs -> new Sgd(gs, Sgd.Options.spark()),
            gs -> new Sgd(gs, new Sgd.Options(0.9, 0.1, false)));

    @Test
    void fusedAndComposedPathsGiveTheSameBits() {
        for (var make : OPTIMIZERS) {
            List<ParamGroup> a = model(7), b = model(7);
            BaseOptimizer fa = make.apply(a), cb = make.apply(b);
            cb.setFused(false);
            for (int t = 0; t < 3; t++) {
                grads(a, t);
                grads(b, t);
                fa.step();
                cb.step();
            }
            sameBits(snapshot(a), snapshot(b));
            sameState(fa.state(), cb.state());
            assertNotEquals(model(7).get(0).params().values().iterator().next().value().get(0, 0),
                    a.get(0).params().values().iterator().next().value().get(0, 0), "parameters moved");
        }
    }

    @Test
    void fusedChunksOfLargeTensorsAgreeWithTheComposedPath() {
        // 70,000 elements span three work items: element-wise results are identical; norms are summed per item and
        // then combined, which may move a double sum by an ulp before it is rounded to float: allow 1 float ulp
        for (var make : OPTIMIZERS) {
            List<List<ParamGroup>> runs = new ArrayList<>();
            List<BaseOptimizer> opts = new ArrayList<>();
            for (boolean fused : new boolean[]{true, false}) {
                Rng rng = new Rng(5);
                Map<String, ParamRef> named = new LinkedHashMap<>();
                named.put("big.weight", ParamRef.of(rng.normal(0, 1, 700, 100)));
                named.put("big.bias", ParamRef.of(rng.normal(0, 1, 100)));
                List<ParamGroup> gs = ParamGroups.pretrain(named, 0.01);
                LrWdSchedule.apply(gs, 0.01, 0.05);
                BaseOptimizer o = make.apply(gs);
                o.setFused(fused);
                runs.add(gs);
                opts.add(o);
            }
            for (int t = 0; t < 2; t++)
                for (int r = 0; r < 2; r++) { grads(runs.get(r), t); opts.get(r).step(); }
            List<Tensor> a = snapshot(runs.get(0)), b = snapshot(runs.get(1));
            for (int i = 0; i < a.size(); i++) {
                float[] x = a.get(i).toFloatArray(), y = b.get(i).toFloatArray();
                for (int j = 0; j < x.length; j++)
                    assertEquals(x[j], y[j], Math.ulp(x[j]), "tensor " + i + " element " + j);
            }
        }
    }

    @Test
    void stateRoundTripGivesTheSameNextStep() {
        for (var make : OPTIMIZERS) {
            List<ParamGroup> a = model(11);
            BaseOptimizer oa = make.apply(a);
            for (int t = 0; t < 2; t++) { grads(a, t); oa.step(); }
            OptimizerState saved = oa.state();
            // a resumed run: same parameter values, different lr until the state is loaded
            List<ParamGroup> b = model(99);
            for (int g = 0; g < a.size(); g++) {
                var pa = a.get(g).params().values().iterator();
                for (ParamRef p : b.get(g).params().values()) p.set(pa.next().value().copy());
                b.get(g).setLr(123);
            }
            BaseOptimizer ob = make.apply(b);
            ob.loadState(saved);
            assertEquals(a.get(0).lr(), b.get(0).lr());
            grads(a, 2);
            grads(b, 2);
            oa.step();
            ob.step();
            sameBits(snapshot(a), snapshot(b));
            sameState(oa.state(), ob.state());
        }
    }

    @Test
    void stateUsesPyTorchKeys() {
        List<ParamGroup> gs = model(3);
        Lamb lamb = new Lamb(gs, Lamb.Options.sparkPretrain(0.95));
        AdamW adam = new AdamW(model(3), AdamW.Options.defaults());
        Sgd sgd = new Sgd(model(3), Sgd.Options.spark());
        for (BaseOptimizer o : List.of(lamb, adam, sgd)) { grads(o.groups(), 0); o.step(); }
        // groups: decay = {p0.weight, p2.weight} (indices 0, 1), no_decay = {p1.bias} (index 2)
        assertEquals(List.of("decay", "no_decay"), gs.stream().map(ParamGroup::name).toList());
        assertEquals(List.of("state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg", "state.1.exp_avg_sq",
                "state.2.exp_avg", "state.2.exp_avg_sq"), List.copyOf(lamb.state().tensors().keySet()));
        assertEquals(List.of("param_groups.0.lr", "param_groups.0.weight_decay", "param_groups.0.step",
                "param_groups.1.lr", "param_groups.1.weight_decay", "param_groups.1.step"), List.copyOf(lamb.state().scalars().keySet()));
        assertEquals(1.0, adam.state().scalars().get("state.2.step"));
        assertEquals(List.of("state.0.momentum_buffer", "state.1.momentum_buffer", "state.2.momentum_buffer"),
                List.copyOf(sgd.state().tensors().keySet()));
    }

    @Test
    void zeroGradKeepsOrDropsTheTensors() {
        List<ParamGroup> gs = model(5);
        Sgd o = new Sgd(gs, Sgd.Options.plain());
        grads(gs, 0);
        ParamRef p = gs.get(0).params().values().iterator().next();
        Tensor g = p.grad();
        o.zeroGrad();
        assertEquals(g, p.grad());
        assertArrayEquals(new float[12], g.toFloatArray());
        o.zeroGrad(true);
        assertEquals(null, p.grad());
    }
}
