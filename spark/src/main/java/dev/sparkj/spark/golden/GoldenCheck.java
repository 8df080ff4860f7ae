package dev.sparkj.spark.golden;

import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Compares a run's outputs with a fixture's expected ones under the rules of shared/reference/check_golden.py:
 * {@code loss} relative error ≤ 1e-4; {@code step.*} max|got - ref| / max|ref - before| ≤ 1e-2; everything
 * else max|got - ref| / max|ref| ≤ 2e-3 per tensor. Inputs ({@code input}, {@code active}, {@code labels}) are skipped.
 */
public final class GoldenCheck {
    private GoldenCheck() {}

    /** One compared tensor: its error relative to its scale, and the tolerance it must meet. */
    public record Entry(String name, double error, double tolerance, String problem) {
        public boolean ok() { return problem == null && error <= tolerance; }

        @Override
        public String toString() {
            return problem != null ? name + ": " + problem : String.format("%s=%.1e (tol %g)", name, error, tolerance);
        }
    }

    /** The comparison of every expected output, worst (largest error/tolerance) first. */
    public record Report(String caseName, List<Entry> entries) {
        public boolean ok() { return entries.stream().allMatch(Entry::ok); }

        /** The worst entry. */
        public Entry worst() { return entries.isEmpty() ? null : entries.get(0); }

        /** A one-line summary like check_golden.py's. */
        public String summary() {
            StringBuilder b = new StringBuilder(ok() ? "PASS " : "FAIL ").append(caseName).append(": ")
                    .append(entries.size()).append(" tensors compared; worst: ");
            for (int i = 0; i < Math.min(5, entries.size()); i++) b.append(i == 0 ? "" : ", ").append(entries.get(i));
            List<Entry> bad = entries.stream().filter(e -> !e.ok()).toList();
            if (!bad.isEmpty()) b.append("; ").append(bad.size()).append(" misses, e.g. ").append(bad.subList(0, Math.min(8, bad.size())));
            return b.toString();
        }
    }

    /**
     * @param expected the fixture's io.safetensors
     * @param state    the fixture's state (for {@code step.*} scales); may be null when there are none
     * @param got      the run's outputs
     */
    public static Report compare(String caseName, Map<String, Tensor> expected, Map<String, Tensor> state, Map<String, Tensor> got) {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            String k = e.getKey();
            if (k.equals("input") || k.equals("active") || k.equals("labels")) continue;
            Tensor g = got.get(k);
            Tensor r = e.getValue();
            if (g == null) { entries.add(new Entry(k, Double.POSITIVE_INFINITY, 0, "missing")); continue; }
            if (g.numel() != r.numel()) {
                entries.add(new Entry(k, Double.POSITIVE_INFINITY, 0, "shape " + java.util.Arrays.toString(g.shape()) + " vs " + java.util.Arrays.toString(r.shape())));
                continue;
            }
            double[] gv = g.toDoubleArray(), rv = r.toDoubleArray();
            double scale, tol;
            if (k.startsWith("step.")) {
                double[] base = state.get(k.substring(5)).toDoubleArray();
                scale = 1e-12;
                for (int i = 0; i < rv.length; i++) scale = Math.max(scale, Math.abs(rv[i] - base[i]));
                scale += 0; tol = 1e-2;
            } else if (k.equals("loss")) {
                scale = Math.abs(rv[0]) + 1e-12; tol = 1e-4;
            } else {
                scale = 0;
                for (double v : rv) scale = Math.max(scale, Math.abs(v));
                scale += 1e-8; tol = 2e-3;
            }
            double err = 0;
            for (int i = 0; i < rv.length; i++) {
                double d = Math.abs(gv[i] - rv[i]);
                if (Double.isNaN(d)) d = Double.POSITIVE_INFINITY;
                err = Math.max(err, d);
            }
            entries.add(new Entry(k, err / scale, tol, null));
        }
        entries.sort(Comparator.comparingDouble((Entry x) -> x.problem != null ? Double.POSITIVE_INFINITY : x.error / x.tolerance).reversed());
        return new Report(caseName, entries);
    }
}
