package dev.sparkj.autograd;

import dev.sparkj.tensor.Storage;
import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A diagnostic: with {@code -Dsparkj.memreport=true} the {@link Engine} prints, when a backward starts,
 * the bytes the graph keeps for backward grouped by op name (each storage counted once, by the first op
 * that saved it), and the heap in use after a full collection at a few points of the walk. Off by
 * default; costs nothing then.
 */
final class MemoryReport {
    private MemoryReport() {}

    static final boolean ON = Boolean.getBoolean("sparkj.memreport");
    static final int EVERY = Integer.getInteger("sparkj.memreport.every", 40);
    static final int FIRST = Integer.getInteger("sparkj.memreport.first", 0);

    /** Whether to report the heap after the {@code walked}-th node of a backward. */
    static boolean sample(int walked) { return walked <= FIRST || walked % EVERY == 0; }

    static void graph(Iterable<Node> nodes) {
        IdentityHashMap<Storage, Boolean> seen = new IdentityHashMap<>();
        Map<String, long[]> byOp = new TreeMap<>();
        long total = 0, evicted = 0;
        for (Node n : nodes) {
            Tensor[] s = n.savedTensors();
            if (s == null) continue;
            long[] e = byOp.computeIfAbsent(n.name(), k -> new long[4]);
            e[0]++;
            for (Tensor t : s) {
                if (t == null) continue;
                Storage st = t.storage();
                long b = (long) st.length() * t.dtype().bytes();
                if (seen.put(st, Boolean.TRUE) != null) { e[2] += b; continue; }
                if (st.evicted()) { e[3] += b; evicted += b; continue; }
                e[1] += b;
                total += b;
            }
        }
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(byOp.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
        System.err.printf(Locale.ROOT, "memreport: saved for backward %.1f MB in %d storages (and %.1f MB evicted, recomputed when read)%n",
                total / 1e6, seen.size(), evicted / 1e6);
        for (Map.Entry<String, long[]> r : rows)
            System.err.printf(Locale.ROOT, "memreport:   %-22s %5d nodes %9.1f MB (+%.1f MB shared, %.1f MB evicted)%n",
                    r.getKey(), r.getValue()[0], r.getValue()[1] / 1e6, r.getValue()[2] / 1e6, r.getValue()[3] / 1e6);
        heap("backward start");
    }

    static void heap(String where) {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        System.err.printf(Locale.ROOT, "memreport: heap live %.1f MB at %s%n", (rt.totalMemory() - rt.freeMemory()) / 1e6, where);
    }
}
