package dev.sparkj.spark.golden;

import dev.sparkj.autograd.NoGrad;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.Losses;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.models.Classifier;
import dev.sparkj.nn.models.Models;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a {@code classify} fixture: builds the plain CNN from case.json, loads the saved state (strict),
 * and computes what the reference saved: {@code logits_eval} (eval mode), {@code logits_train} and
 * {@code loss} (cross-entropy, training mode), {@code grad.<param>} after backward of that loss, and
 * {@code after.<buffer>} for every BatchNorm running statistic after the training forward.
 */
public final class ClassifyGolden {
    private ClassifyGolden() {}

    /** The outputs, named as in golden-format.md. */
    public static Map<String, Tensor> run(GoldenCase c) throws IOException {
        if (!"classify".equals(c.kind())) throw new IllegalArgumentException(c.name() + " is a '" + c.kind() + "' fixture, not classify");
        String loss = c.spec().getOrDefault("loss", "cross_entropy").toString();
        if (!loss.equals("cross_entropy")) throw new IllegalArgumentException(c.name() + ": unsupported loss '" + loss + "'");
        Module model = Models.fromArch(c.arch(), c.integer("num_classes"), c.number("drop_path", 0), new Rng(c.integer("seed", 0)));
        model.loadStateDict(c.state(), true);
        Map<String, Tensor> io = c.io();
        Tensor input = require(io, "input", c), labels = require(io, "labels", c);
        Classifier clf = (Classifier) model;

        Map<String, Tensor> out = new LinkedHashMap<>();
        model.eval();
        try (NoGrad ignored = NoGrad.enter()) {
            out.put("logits_eval", clf.classify(Variable.of(input)).data());
        }
        model.train();
        Variable logits = clf.classify(Variable.of(input));
        Variable l = Losses.crossEntropy(logits, labels);
        l.backward();
        out.put("logits_train", logits.data());
        out.put("loss", l.data().reshape());
        for (Map.Entry<String, Variable> p : model.namedParameters().entrySet()) {
            Tensor g = p.getValue().grad();
            out.put("grad." + p.getKey(), g != null ? g : Tensor.zeros(p.getValue().shape()));
        }
        for (Map.Entry<String, Tensor> b : model.namedBuffers().entrySet())
            if (b.getKey().contains("running") || b.getKey().contains("num_batches")) out.put("after." + b.getKey(), b.getValue());
        return out;
    }

    static Tensor require(Map<String, Tensor> io, String key, GoldenCase c) {
        Tensor t = io.get(key);
        if (t == null) throw new IllegalArgumentException(c.name() + "/io.safetensors has no '" + key + "'");
        return t;
    }
}
