package dev.sparkj.spark.cli;

import dev.sparkj.autograd.OpProfile;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.models.Models;
import dev.sparkj.nn.optim.Lamb;
import dev.sparkj.nn.optim.ParamGroups;
import dev.sparkj.nn.optim.ParamRef;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Recycler;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.FlopCounter;
import dev.sparkj.tensor.cpu.Parallel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * {@code sparkj bench pretrain}: times SparK pre-training steps (forward, backward, LAMB) of a model on
 * random data, as the reference's timing script does, and prints the median step, images per second,
 * achieved GFLOP/s, the collector's pauses and peak resident memory — one JSON line at the end for machines.
 */
final class BenchCommand {
    private BenchCommand() {}

    static int run(String[] argv) {
        if (argv.length == 0 || !argv[0].equals("pretrain"))
            throw new IllegalArgumentException("usage: sparkj bench pretrain --model resnet50 --input-size 224 --batch 16 --steps 3 [--mode packed|masked-dense] [--decoder-width 768] [--mask-ratio 0.6]"
                    + " (per-op times: SPARKJ_JAVA_OPTS=-Dsparkj.profile=true)");
        Flags a = new Flags("bench pretrain", Arrays.copyOfRange(argv, 1, argv.length),
                Set.of("--model", "--input-size", "--batch", "--steps", "--warmup", "--mode", "--decoder-width", "--mask-ratio", "--seed"), Set.of(), Set.of());
        String model = a.str("--model", "resnet50");
        int size = a.integer("--input-size", 224, 32), batch = a.integer("--batch", 16, 1), steps = a.integer("--steps", 3, 1);
        int warmup = a.integer("--warmup", 1, 0), width = a.integer("--decoder-width", 768, 1);
        double maskRatio = a.number("--mask-ratio", 0.6, 0, 1, false, true);
        SparseMap.Mode mode = switch (a.str("--mode", "packed")) {
            case "packed" -> SparseMap.Mode.PACKED;
            case "masked-dense" -> SparseMap.Mode.MASKED_DENSE;
            default -> throw new IllegalArgumentException("--mode must be packed or masked-dense, got '" + a.str("--mode", "") + "'");
        };
        boolean convnext = model.startsWith("convnext");
        Rng rng = new Rng(a.integer("--seed", 0, Integer.MIN_VALUE));
        Module cnn = Models.create(model, 0, 0.0, rng);
        SparK m = new SparK(cnn, size, size, maskRatio, width, convnext ? "ln" : "bn", rng).setMode(mode);
        m.train();
        Lamb opt = new Lamb(ParamGroups.pretrain(ParamRef.of(m.namedParameters()), 1e-4), Lamb.Options.sparkPretrain(convnext ? 0.999 : 0.95));
        Tensor x = rng.normal(0, 1, batch, 3, size, size);
        System.err.printf(Locale.ROOT, "bench pretrain: %s %dpx batch %d, %s, %d threads, %.1fM parameters%n",
                model, size, batch, mode, Parallel.threads(), m.numParameters() / 1e6);

        double[] step = new double[steps], fwd = new double[steps], bwd = new double[steps], upd = new double[steps];
        double[] gc = new double[steps], alloc = new double[steps], busy = new double[steps];
        long flops = 0;
        for (int i = -warmup; i < steps; i++) {
            if (i == 0) OpProfile.start();
            Tensor active = m.sampleMask(batch, rng);
            OpProfile.restartClock();
            long f0 = FlopCounter.total(), g0 = gcPauseMillis(), a0 = heapAllocatedBytes(), c0 = processCpuNanos();
            long t0 = System.nanoTime(), t1, t2;
            Variable loss;
            try (Recycler.Scope scope = Recycler.open()) { // as the trainer does: activations and gradients reuse arrays
                m.zeroGrad(); // before the forward pass, as the trainer does: the old gradients would sit through its peak
                loss = m.forward(x, active).loss();
                t1 = System.nanoTime();
                loss.backward();
                t2 = System.nanoTime();
                if (Boolean.getBoolean("sparkj.recycle.report")) {
                    double[] r = Recycler.statistics();
                    System.err.printf(Locale.ROOT, "  recycler: forward reused %.2f GB, fresh %.2f; backward reused %.2f, fresh %.2f; evicted %.2f, recomputed %.2f; %.2f GB idle after backward (at most %.2f)%n",
                            r[0], r[1], r[2], r[3], r[4], r[5], Recycler.idleBytes() / 1e9, Recycler.takeMaxIdleBytes() / 1e9);
                }
            }
            opt.step();
            long t3 = System.nanoTime();
            double pauses = (gcPauseMillis() - g0) / 1e3, allocated = a0 < 0 ? Double.NaN : (heapAllocatedBytes() - a0) / 1e9;
            double cores = c0 < 0 ? Double.NaN : (processCpuNanos() - c0) / (double) (t3 - t0);
            double l = loss.data().item();
            if (i >= 0) {
                fwd[i] = (t1 - t0) / 1e9; bwd[i] = (t2 - t1) / 1e9; upd[i] = (t3 - t2) / 1e9; step[i] = (t3 - t0) / 1e9;
                gc[i] = pauses;
                alloc[i] = allocated;
                busy[i] = cores;
                flops += FlopCounter.total() - f0;
            }
            System.err.printf(Locale.ROOT, "  %s %d: %.3f s (forward %.3f, backward %.3f, LAMB %.3f; collector pauses %.3f; %.2f GB allocated; %.2f cores busy) loss %.4f%n",
                    i < 0 ? "warm-up" : "step", i < 0 ? i + warmup + 1 : i + 1, (t3 - t0) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9,
                    pauses, allocated, cores, l);
        }
        if (OpProfile.ON) System.err.print(OpProfile.report());
        double med = median(step);
        double gflops = flops / 1e9 / Arrays.stream(step).sum();
        long rss = peakRssBytes();
        System.out.printf(Locale.ROOT, "%s bs=%d size=%d threads=%d step_median_s=%.3f img_per_s=%.2f forward_median_s=%.3f backward_median_s=%.3f lamb_median_s=%.3f gc_pause_median_s=%.3f gemm_gflops=%.1f peak_rss_mb=%d alloc_gb_median=%.2f cores_busy_median=%.2f%n",
                model, batch, size, Parallel.threads(), med, batch / med, median(fwd), median(bwd), median(upd), median(gc), gflops, rss >> 20, median(alloc), median(busy));
        System.out.printf(Locale.ROOT, "{\"bench\":\"pretrain\",\"model\":\"%s\",\"mode\":\"%s\",\"batch\":%d,\"input_size\":%d,\"threads\":%d,\"steps\":%d,"
                        + "\"step_median_s\":%.4f,\"forward_median_s\":%.4f,\"backward_median_s\":%.4f,\"lamb_median_s\":%.4f,\"img_per_s\":%.3f,"
                        + "\"gc_pause_median_s\":%.4f,\"gemm_gflop_per_step\":%.2f,\"gemm_gflops\":%.2f,\"peak_rss_bytes\":%d,\"alloc_gb_median\":%.3f,\"cores_busy_median\":%.3f}%n",
                model, mode, batch, size, Parallel.threads(), steps, med, median(fwd), median(bwd), median(upd), batch / med,
                median(gc), flops / 1e9 / steps, gflops, rss, median(alloc), median(busy));
        return 0;
    }

    /**
     * Milliseconds the collectors have spent in pauses so far: the sum over the JVM's collector beans (with G1:
     * young and mixed pauses, full collections, and the remark and cleanup pauses of concurrent cycles; the
     * concurrent marking itself runs beside the application and is not counted).
     */
    static long gcPauseMillis() {
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans())
            ms += Math.max(0, b.getCollectionTime());
        return ms;
    }

    /**
     * Bytes allocated on the Java heap so far by all threads (the JVM's own count, {@code -1} where it has none):
     * each step's difference is the garbage a step makes, the figure that buffer reuse brings down.
     */
    static long heapAllocatedBytes() {
        java.lang.management.ThreadMXBean t = java.lang.management.ManagementFactory.getThreadMXBean();
        return t instanceof com.sun.management.ThreadMXBean s && s.isThreadAllocatedMemorySupported() && s.isThreadAllocatedMemoryEnabled()
                ? s.getTotalThreadAllocatedBytes() : -1;
    }

    /**
     * CPU time the whole process has used so far, in nanoseconds (every thread: the engine's, the collector's, the
     * compiler's), or {@code -1} where the JVM does not say. A step's CPU time over its wall clock is how many cores it
     * kept busy: with two threads, time one core spends alone (allocating, collecting, waiting for the other to
     * finish its share of a parallel loop) shows as less than 2. (A worker spinning between loops counts as busy.)
     */
    static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** VmHWM from /proc/self/status (Linux), or -1. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }
}
