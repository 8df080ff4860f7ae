package dev.sparkj.bench;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.models.HierarchicalEncoder;
import dev.sparkj.nn.models.Models;
import dev.sparkj.sparse.ActiveMask;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * End-to-end benchmark of the SparK encoder step: one model (ResNet-50 by default) in training mode,
 * forward of the 4 hierarchical features plus backward of their sum, on the same masked batch in
 * the two storages of a sparse map: true sparse (packed visible rows) and the reference's masked-dense
 * emulation (dense ops on the masked input, re-masked). Both are timed in the same run, iterations
 * interleaved, and the table gives the median, the best and the ratio of wall time, and the median
 * process CPU time (all threads, GC included), which is steadier on a shared machine.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx12g -cp bench/target/benchmarks.jar dev.sparkj.bench.SparseBench \
 *     [--model resnet50] [--size 224] [--batch 16] [--ratio 0.6] [--warmup 1] [--iters 3] [--only packed|masked_dense]
 * </pre>
 */
public final class SparseBench {
    private SparseBench() {}

    public static void main(String[] args) {
        String model = "resnet50";
        int size = 224, batch = 16, warmup = 1, iters = 3;
        double ratio = 0.6;
        String only = "";
        for (int i = 0; i < args.length; i += 2) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--model" -> model = v;
                case "--size" -> size = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--ratio" -> ratio = Double.parseDouble(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--iters" -> iters = Integer.parseInt(v);
                case "--only" -> only = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--model, --size, --batch, --ratio, --warmup, --iters, --only packed|masked_dense)");
            }
        }
        Module net = Models.create(model, 0, 0, new Rng(0));
        net.train();
        HierarchicalEncoder enc = (HierarchicalEncoder) net;
        int grid = size / enc.downsampleRatio();
        Tensor image = new Rng(1).normal(0, 1, batch, 3, size, size);
        ActiveMask mask = ActiveMask.random(batch, grid, grid, ratio, new Rng(2));
        System.out.printf("SparseBench: %s encoder forward+backward, %d px, batch %d, mask ratio %.2f (%d of %d patches visible), %d threads%n",
                model, size, batch, ratio, mask.visibleCount(), batch * grid * grid, Parallel.threads());

        SparseMap.Mode[] modes = only.isEmpty() ? new SparseMap.Mode[]{SparseMap.Mode.PACKED, SparseMap.Mode.MASKED_DENSE}
                : new SparseMap.Mode[]{SparseMap.Mode.valueOf(only.toUpperCase())};
        Map<SparseMap.Mode, List<Double>> times = new EnumMap<>(SparseMap.Mode.class), cpu = new EnumMap<>(SparseMap.Mode.class);
        for (SparseMap.Mode m : modes) {
            times.put(m, new ArrayList<>());
            cpu.put(m, new ArrayList<>());
        }
        for (int it = 0; it < warmup + iters; it++) {
            for (SparseMap.Mode m : modes) {
                System.gc();
                double c0 = cpuSeconds();
                double s = step(net, enc, image, mask, m);
                double c = cpuSeconds() - c0;
                if (it >= warmup) {
                    times.get(m).add(s);
                    cpu.get(m).add(c);
                }
                System.out.printf("  %s %-12s %.3f s wall, %.3f s cpu%n", it < warmup ? "warmup" : "iter  ", m, s, c);
            }
        }
        for (SparseMap.Mode m : modes)
            System.out.printf("%-26s wall median %8.3f s  best %8.3f s   cpu median %8.3f s%n",
                    m == SparseMap.Mode.PACKED ? "sparse (packed rows)" : "masked dense (reference)",
                    median(times.get(m)), best(times.get(m)), median(cpu.get(m)));
        if (modes.length == 1) return;
        List<Double> sw = times.get(SparseMap.Mode.PACKED), dw = times.get(SparseMap.Mode.MASKED_DENSE);
        System.out.printf("speed-up sparse vs masked dense: %.2fx wall (median), %.2fx wall (best), %.2fx cpu (median)%n",
                median(dw) / median(sw), best(dw) / best(sw), median(cpu.get(SparseMap.Mode.MASKED_DENSE)) / median(cpu.get(SparseMap.Mode.PACKED)));
    }

    /** One training step's encoder work: forward of the features, backward of their sum; seconds. */
    private static double step(Module net, HierarchicalEncoder enc, Tensor image, ActiveMask mask, SparseMap.Mode mode) {
        net.zeroGrad();
        long t0 = System.nanoTime();
        List<FeatureMap> fs = enc.forwardFeatures(SparseMap.of(Variable.of(image), mask, mode));
        Variable loss = null;
        for (FeatureMap f : fs) {
            Variable s = F.sum(((SparseMap) f).data());
            loss = loss == null ? s : F.add(loss, s);
        }
        loss.backward();
        return (System.nanoTime() - t0) * 1e-9;
    }

    /** CPU time of the whole process (every thread, GC and JIT included), seconds. */
    private static double cpuSeconds() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() * 1e-9 : Double.NaN;
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double best(List<Double> v) { return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN); }
}
