package dev.sparkj.spark.golden;

import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.models.Models;
import dev.sparkj.nn.optim.Lamb;
import dev.sparkj.nn.optim.LrWdSchedule;
import dev.sparkj.nn.optim.ParamGroup;
import dev.sparkj.nn.optim.ParamGroups;
import dev.sparkj.nn.optim.ParamRef;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@code spark} conformance fixture: one training-mode forward and backward with the given mask,
 * the BatchNorm buffers after it, one LAMB step, and the eval-mode reconstruction from the original
 * state — every output under the reference's name (golden-format.md).
 */
public final class SparkGolden {
    private SparkGolden() {}

    /** Builds the fixture's SparK model (random init; the caller loads the state). */
    public static SparK build(GoldenCase c) {
        int[] size = c.inputSize();
        Module cnn = Models.fromArch(c.arch(), 0, c.number("drop_path", 0), new Rng(c.integer("seed", 0)));
        return new SparK(cnn, size[0], size[1], c.number("mask_ratio", 0.6), c.integer("decoder_width"),
                c.string("densify_norm"), new Rng(c.integer("seed", 0) + 1));
    }

    /** The model state of a fixture, without the reference's unused buffers. */
    public static Map<String, Tensor> state(GoldenCase c) throws IOException {
        Map<String, Tensor> s = new LinkedHashMap<>(c.state());
        s.keySet().removeAll(SparK.UNUSED_REFERENCE_KEYS);
        return s;
    }

    /** All outputs of the fixture, in packed sparse mode. */
    public static Map<String, Tensor> run(GoldenCase c) throws IOException {
        return run(c, SparseMap.Mode.PACKED);
    }

    /** All outputs of the fixture, computing the encoder in the given mode. */
    @SuppressWarnings("unchecked")
    public static Map<String, Tensor> run(GoldenCase c, SparseMap.Mode mode) throws IOException {
        SparK m = build(c).setMode(mode);
        Map<String, Tensor> state0 = state(c);
        m.loadStateDict(state0, true);
        Map<String, Tensor> io = c.io();
        Tensor input = io.get("input"), active = io.get("active");
        Map<String, Tensor> out = new LinkedHashMap<>();

        m.train();
        Variable loss = m.forward(input, active).loss();
        loss.backward();
        out.put("loss", loss.data());
        Map<String, Variable> params = m.namedParameters();
        for (var e : params.entrySet()) {
            if (e.getValue().grad() == null) throw new IllegalStateException(c.name() + ": no gradient reached " + e.getKey());
            out.put("grad." + e.getKey(), e.getValue().grad().copy()); // LAMB clips gradients in place
        }
        for (var e : m.namedBuffers().entrySet())
            if (e.getKey().contains("running") || e.getKey().contains("num_batches")) out.put("after." + e.getKey(), e.getValue());

        Map<String, Object> opt = (Map<String, Object>) c.spec().get("optimizer");
        double lr = ((Number) opt.get("lr")).doubleValue(), wd = ((Number) opt.get("weight_decay")).doubleValue();
        double beta2 = ((Number) ((List<?>) opt.get("betas")).get(1)).doubleValue();
        List<ParamGroup> groups = ParamGroups.pretrain(ParamRef.of(params), lr);
        for (ParamGroup g : groups) {
            g.setLr(lr * g.lrScale());
            g.setWeightDecay(wd * g.weightDecayScale());
        }
        Lamb.Options o = Lamb.Options.sparkPretrain(beta2);
        double maxNorm = ((Number) opt.getOrDefault("max_grad_norm", 5.0)).doubleValue();
        double eps = ((Number) opt.getOrDefault("eps", 1e-6)).doubleValue();
        o = new Lamb.Options(o.beta1(), o.beta2(), eps, o.biasCorrection(), o.gradAveraging(), maxNorm, o.trustClip(), o.alwaysAdapt(), o.reciprocalClip());
        new Lamb(groups, o).step();
        for (var e : params.entrySet()) out.put("step." + e.getKey(), e.getValue().data().copy());

        SparK fresh = build(c).setMode(mode);
        fresh.loadStateDict(state0, true);
        fresh.eval();
        SparK.Visual v = fresh.visualize(input, active);
        out.put("vis.masked", v.masked());
        out.put("vis.rec_or_inp", v.recOrInput());
        return out;
    }
}
