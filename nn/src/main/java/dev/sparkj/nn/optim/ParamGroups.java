package dev.sparkj.nn.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds SparK's parameter groups from a model's named parameters, as the reference's
 * {@code get_param_groups} does: a parameter gets no weight decay ({@code weightDecayScale} 0) when it
 * is 1-D, its name ends with {@code .bias}, or its name contains one of the no-decay keys; frozen
 * parameters are left out; groups appear in the order their first parameter does.
 */
public final class ParamGroups {
    private ParamGroups() {}

    /** The no-decay keys SparK passes in both pre-training and fine-tuning. */
    public static final Set<String> SPARK_NO_WD_KEYS = Set.of("cls_token", "pos_embed", "mask_token", "gamma");

    /** Pre-training groups ({@code decay}, {@code no_decay}, lr scale 1) with SparK's no-decay keys. */
    public static List<ParamGroup> pretrain(Map<String, ? extends ParamRef> named, double lr) {
        return build(named, SPARK_NO_WD_KEYS, lr, 0, null);
    }

    /** Pre-training groups with explicit no-decay keys. */
    public static List<ParamGroup> pretrain(Map<String, ? extends ParamRef> named, Set<String> noWdKeys, double lr) {
        return build(named, noWdKeys, lr, 0, null);
    }

    /**
     * Fine-tuning groups with layer-wise lr decay: one group per (layer id, decay / no-decay) named
     * {@code layer<id>_decay} / {@code layer<id>_no_decay}, {@code lrScale = decay^(N + 1 - layerId)}.
     * As in the reference, the decay applies only when {@code layerIds} is given and {@code 0 < decay < 1};
     * otherwise this gives the plain two groups with lr scale 1.
     */
    public static List<ParamGroup> layerDecay(Map<String, ? extends ParamRef> named, Set<String> noWdKeys, double lr,
                                              double decay, LayerIds layerIds) {
        return build(named, noWdKeys, lr, decay, layerIds);
    }

    /** True when the reference would exclude this parameter from weight decay. */
    public static boolean noWeightDecay(String name, ParamRef p, Set<String> noWdKeys) {
        if (p.value().rank() == 1 || name.endsWith(".bias")) return true;
        for (String k : noWdKeys) if (name.contains(k)) return true;
        return false;
    }

    private static List<ParamGroup> build(Map<String, ? extends ParamRef> named, Set<String> noWdKeys, double lr,
                                          double decay, LayerIds layerIds) {
        boolean scaled = layerIds != null && decay > 0 && decay < 1;
        record Pending(LinkedHashMap<String, ParamRef> params, double wdScale, double lrScale) {}
        LinkedHashMap<String, Pending> groups = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends ParamRef> e : named.entrySet()) {
            String name = e.getKey();
            ParamRef p = e.getValue();
            if (!p.requiresGrad()) continue;
            boolean noWd = noWeightDecay(name, p, noWdKeys);
            String group = noWd ? "no_decay" : "decay";
            double lrScale = 1;
            if (scaled) {
                group = "layer" + layerIds.layerId(name) + "_" + group;
                lrScale = StrictMath.pow(decay, layerIds.scaleExponent(name));
            }
            double wdScale = noWd ? 0 : 1, scale = lrScale;
            // the first parameter of a group fixes its scales, as in the reference
            groups.computeIfAbsent(group, g -> new Pending(new LinkedHashMap<>(), wdScale, scale)).params.put(name, p);
        }
        List<ParamGroup> out = new ArrayList<>(groups.size());
        for (Map.Entry<String, Pending> e : groups.entrySet())
            out.add(new ParamGroup(e.getKey(), e.getValue().params, lr, 0, e.getValue().lrScale, e.getValue().wdScale));
        return out;
    }
}
