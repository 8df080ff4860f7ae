package dev.sparkj.nn;

import dev.sparkj.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Module#loadStateDict} found: keys the model has but the checkpoint lacks, keys the
 * checkpoint has but the model lacks, and keys present in both with different shapes.
 *
 * @param missing    model keys absent from the checkpoint
 * @param unexpected checkpoint keys the model does not have
 * @param mismatched "key: checkpoint [shape] vs model [shape]" for each shape conflict
 */
public record StateDictReport(List<String> missing, List<String> unexpected, List<String> mismatched) {
    public StateDictReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
    }

    /** True when every key matched in name and shape. */
    public boolean isClean() { return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty(); }

    /** A multi-line summary listing every problem. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        section(b, "missing", missing);
        section(b, "unexpected", unexpected);
        section(b, "shape mismatch", mismatched);
        return b.isEmpty() ? "all keys matched" : b.toString().stripTrailing();
    }

    private static void section(StringBuilder b, String what, List<String> keys) {
        if (keys.isEmpty()) return;
        b.append(keys.size()).append(' ').append(what).append(" key").append(keys.size() == 1 ? "" : "s").append(":\n");
        for (String k : keys) b.append("  ").append(k).append('\n');
    }

    /**
     * The state with a leading {@code module.} (PyTorch's DistributedDataParallel wrapper) removed from
     * every key that has it; order kept.
     */
    public static Map<String, Tensor> stripModulePrefix(Map<String, Tensor> state) {
        boolean any = false;
        for (String k : state.keySet()) if (k.startsWith("module.")) { any = true; break; }
        if (!any) return state;
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet())
            out.put(e.getKey().startsWith("module.") ? e.getKey().substring(7) : e.getKey(), e.getValue());
        return out;
    }
}
