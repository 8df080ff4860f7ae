package dev.sparkj.nn.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A set of named parameters that share a learning rate and a weight decay, like one entry of PyTorch's
 * {@code optimizer.param_groups}. The schedules write {@link #lr()} and {@link #weightDecay()} every
 * iteration as {@code value × lrScale} and {@code value × weightDecayScale}; the scales are fixed when the
 * group is built (layer-wise lr decay, no-decay groups). Optimizer hyper-parameters that never vary by
 * group in SparK (betas, eps, momentum, clipping) live in the optimizer's options instead.
 */
public final class ParamGroup {
    private final String name;
    private final LinkedHashMap<String, ParamRef> params;
    private final double lrScale;
    private final double weightDecayScale;
    private double lr;
    private double weightDecay;

    /**
     * @param name   a label for logs and checkpoints ({@code decay}, {@code no_decay}, {@code layer3_decay}, ...)
     * @param params parameters by name, in order (copied)
     * @param lr     initial learning rate (the optimizer's default in PyTorch; schedules overwrite it)
     * @param weightDecay initial weight decay (SparK constructs its optimizers with 0)
     */
    public ParamGroup(String name, Map<String, ParamRef> params, double lr, double weightDecay,
                      double lrScale, double weightDecayScale) {
        this.name = name;
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
        this.weightDecay = weightDecay;
        this.lrScale = lrScale;
        this.weightDecayScale = weightDecayScale;
    }

    /** A group with scales 1, e.g. every parameter of a model under one lr. */
    public ParamGroup(String name, Map<String, ParamRef> params, double lr, double weightDecay) {
        this(name, params, lr, weightDecay, 1, 1);
    }

    public String name() { return name; }

    /** Parameters by name in insertion order (read-only). */
    public Map<String, ParamRef> params() { return Collections.unmodifiableMap(params); }

    public double lr() { return lr; }
    public void setLr(double lr) { this.lr = lr; }
    public double weightDecay() { return weightDecay; }
    public void setWeightDecay(double weightDecay) { this.weightDecay = weightDecay; }
    public double lrScale() { return lrScale; }
    public double weightDecayScale() { return weightDecayScale; }

    @Override
    public String toString() {
        return "ParamGroup[" + name + ": " + params.size() + " params, lr=" + lr + ", wd=" + weightDecay
                + ", lrScale=" + lrScale + ", wdScale=" + weightDecayScale + "]";
    }
}
