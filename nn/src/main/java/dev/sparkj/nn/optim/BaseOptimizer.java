package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every optimizer shares: the groups, lazily created per-parameter state (tensors and scalars),
 * per-group scalars, gradient zeroing, and the export / import of all of it in PyTorch's layout.
 * Subclasses write only the update rule, once as a fused loop and once with Tensor ops.
 */
abstract class BaseOptimizer implements Optimizer {
    /** The state of one parameter; created at its first update, like PyTorch's {@code optimizer.state[p]}. */
    static final class Slot {
        final LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        final LinkedHashMap<String, Double> scalars = new LinkedHashMap<>();
    }

    private final List<ParamGroup> groups;
    private final List<ParamRef> order = new ArrayList<>();
    private final IdentityHashMap<ParamRef, Slot> slots = new IdentityHashMap<>();
    private final List<LinkedHashMap<String, Double>> groupScalars = new ArrayList<>();
    private boolean fused = true;

    BaseOptimizer(List<ParamGroup> groups) {
        if (groups.isEmpty()) throw new IllegalArgumentException("an optimizer needs at least one parameter group");
        this.groups = List.copyOf(groups);
        IdentityHashMap<ParamRef, String> seen = new IdentityHashMap<>();
        for (ParamGroup g : this.groups) {
            groupScalars.add(new LinkedHashMap<>());
            for (Map.Entry<String, ParamRef> e : g.params().entrySet()) {
                String before = seen.put(e.getValue(), e.getKey());
                if (before != null) throw new IllegalArgumentException("parameter " + e.getKey() + " appears in more than one group (also as " + before + ")");
                order.add(e.getValue());
            }
        }
    }

    @Override public List<ParamGroup> groups() { return groups; }

    /** Chooses the fused float-array loop where tensors allow (default) or always the composed Tensor-op path. */
    public void setFused(boolean fused) { this.fused = fused; }

    /** True when the fused loop may run on these tensors. */
    boolean fusedFor(Tensor... ts) { return fused && Flat.fusible(ts); }

    /** The state of {@code p}, created empty when absent. */
    Slot slot(ParamRef p) { return slots.computeIfAbsent(p, k -> new Slot()); }

    /** Mutable scalars of group {@code g} (e.g. LAMB's shared step count). */
    Map<String, Double> groupScalars(int g) { return groupScalars.get(g); }

    /** A zero-filled tensor like {@code v} (same dtype, backend and memory order). */
    static Tensor zerosLike(Tensor v) { return v.emptyLike().fill(0); }

    @Override
    public void zeroGrad(boolean setToNone) {
        for (ParamRef p : order) {
            Tensor g = p.grad();
            if (g == null) continue;
            if (setToNone) p.setGrad(null);
            else g.fill(0);
        }
    }

    @Override
    public OptimizerState state() {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        LinkedHashMap<String, Double> scalars = new LinkedHashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            String k = "param_groups." + g + ".";
            scalars.put(k + "lr", groups.get(g).lr());
            scalars.put(k + "weight_decay", groups.get(g).weightDecay());
            for (Map.Entry<String, Double> e : groupScalars.get(g).entrySet()) scalars.put(k + e.getKey(), e.getValue());
        }
        for (int i = 0; i < order.size(); i++) {
            Slot s = slots.get(order.get(i));
            if (s == null) continue;
            String k = "state." + i + ".";
            for (Map.Entry<String, Tensor> e : s.tensors.entrySet()) tensors.put(k + e.getKey(), e.getValue().copy());
            for (Map.Entry<String, Double> e : s.scalars.entrySet()) scalars.put(k + e.getKey(), e.getValue());
        }
        return new OptimizerState(tensors, scalars);
    }

    @Override
    public void loadState(OptimizerState state) {
        slots.clear();
        for (LinkedHashMap<String, Double> m : groupScalars) m.clear();
        for (Map.Entry<String, Double> e : state.scalars().entrySet()) {
            String[] k = split(e.getKey());
            int idx = index(e.getKey(), k[1]);
            double v = e.getValue();
            if (k[0].equals("param_groups")) {
                if (idx >= groups.size()) throw new IllegalArgumentException(e.getKey() + ": this optimizer has " + groups.size() + " groups");
                switch (k[2]) {
                    case "lr" -> groups.get(idx).setLr(v);
                    case "weight_decay" -> groups.get(idx).setWeightDecay(v);
                    default -> groupScalars.get(idx).put(k[2], v);
                }
            } else {
                slot(param(e.getKey(), idx)).scalars.put(k[2], v);
            }
        }
        for (Map.Entry<String, Tensor> e : state.tensors().entrySet()) {
            String[] k = split(e.getKey());
            if (!k[0].equals("state")) throw new IllegalArgumentException("unexpected optimizer tensor " + e.getKey());
            ParamRef p = param(e.getKey(), index(e.getKey(), k[1]));
            Tensor v = p.value(), t = e.getValue();
            if (!Arrays.equals(t.shape(), v.shape()))
                throw new IllegalArgumentException(e.getKey() + " has shape " + Arrays.toString(t.shape()) + ", parameter has " + Arrays.toString(v.shape()));
            slot(p).tensors.put(k[2], zerosLike(v).copyFrom(t.cast(v.dtype())));
        }
    }

    private static String[] split(String key) {
        String[] k = key.split("\\.", 3);
        if (k.length != 3 || !(k[0].equals("state") || k[0].equals("param_groups")))
            throw new IllegalArgumentException("unexpected optimizer state key " + key);
        return k;
    }

    private static int index(String key, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("unexpected optimizer state key " + key);
        }
    }

    private ParamRef param(String key, int i) {
        if (i >= order.size()) throw new IllegalArgumentException(key + ": this optimizer has " + order.size() + " parameters");
        return order.get(i);
    }

    /** Parameter order across groups (PyTorch's state indices). */
    List<ParamRef> parameters() { return Collections.unmodifiableList(order); }
}
