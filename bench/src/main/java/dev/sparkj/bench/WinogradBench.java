package dev.sparkj.bench;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Direct (im2col + GEMM) against Winograd F(4x4, 3x3) for the dense 3x3 stride-1 convolutions of SparK's
 * light decoder (channels-last, pad 1, no bias): at each level a C -> C and a C -> C/2 convolution at
 * 14x14x768, 28x28x384, 56x56x192, 112x112x96 and 224x224x48. For every shape, forward, input
 * gradient and weight gradient, the paths alternate (direct, Winograd, direct, ...) in one process, switched with the
 * {@code sparkj.conv.winograd} property ({@code false} / {@code force}); each is warmed up once and the
 * best of {@code iterations} wall-clock times is printed with the speed-up, then the same for
 * the CPU time of the whole process (all threads; less disturbed than the wall clock when other jobs
 * share the machine). The system load average is
 * printed before and after. With a third argument {@code f2}, F(2x2, 3x3) is timed as a third column;
 * with {@code sweep}, small C -> C convolutions (8 to 64 channels at 56x56 and 14x14) are timed instead,
 * to choose the channel count from which Winograd is used by default; with {@code wgrad}, only the weight
 * gradients of the decoder shapes.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Xmx12g -cp bench/target/benchmarks.jar
 * dev.sparkj.bench.WinogradBench [batch] [iterations] [f2|sweep|wgrad]} (defaults 16 and 3).
 */
public final class WinogradBench {
    private WinogradBench() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean f2 = args.length > 2 && args[2].equals("f2"), sweep = args.length > 2 && args[2].equals("sweep");
        boolean wgradOnly = args.length > 2 && args[2].equals("wgrad");
        System.out.printf("sparkj WinogradBench: %d threads, vector %s, batch %d, best of %d, load average %.2f%n",
                Parallel.threads(), jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, batch, iters, Clocks.load());
        System.out.printf("%-20s %-6s %9s %9s %8s | %9s %9s %8s%s%n", "shape (HxW, C->O)", "pass", "direct ms", "wino ms",
                "speed-up", "direct cpu", "wino cpu", "speed-up", f2 ? String.format(" | %9s %8s %9s %8s", "F2 ms", "speed-up", "F2 cpu", "speed-up") : "");
        int[][] levels = sweep ? new int[][]{{56, 8}, {56, 16}, {56, 24}, {56, 32}, {56, 48}, {56, 64}, {14, 16}, {14, 32}, {14, 64}}
                : new int[][]{{14, 768}, {28, 384}, {56, 192}, {112, 96}, {224, 48}};
        Conv2dSpec spec = Conv2dSpec.of(1, 1, 1);
        Rng rng = new Rng(1);
        for (int[] lv : levels) {
            int hw = lv[0], c = lv[1];
            Tensor x = rng.normal(0, 1, batch, c, hw, hw).toChannelsLast();
            for (int o : sweep ? new int[]{c} : new int[]{c, c / 2}) {
                Tensor w = rng.normal(0, 1 / Math.sqrt(9.0 * c), o, c, 3, 3);
                Tensor gy = rng.normal(0, 1, batch, o, hw, hw).toChannelsLast();
                String shape = hw + "x" + hw + ", " + c + "->" + o;
                if (!wgradOnly) {
                    row(shape, "fwd", iters, f2, () -> x.conv2d(w, null, spec));
                    row(shape, "bwd-in", iters, f2, () -> gy.conv2dBackwardInput(w, spec, x.shape()));
                }
                row(shape, "bwd-w", iters, f2, () -> gy.conv2dBackwardWeight(x, spec, w.shape()));
            }
        }
        System.out.printf("load average after: %.2f%n", Clocks.load());
        System.clearProperty("sparkj.conv.winograd");
        System.clearProperty("sparkj.conv.winograd.m");
    }

    /** Times op with Winograd off, forced (F(4x4)) and optionally forced F(2x2), interleaved. */
    private static void row(String shape, String pass, int iters, boolean f2, Supplier<?> op) {
        List<String[]> modes = new ArrayList<>(List.of(new String[]{"false", "4"}, new String[]{"force", "4"}));
        if (f2) modes.add(new String[]{"force", "2"});
        long[] best = new long[modes.size()], cpu = new long[modes.size()];
        Arrays.fill(best, Long.MAX_VALUE);
        Arrays.fill(cpu, Long.MAX_VALUE);
        for (int it = -1; it < iters; it++)
            for (int k = 0; k < modes.size(); k++) {
                System.setProperty("sparkj.conv.winograd", modes.get(k)[0]);
                System.setProperty("sparkj.conv.winograd.m", modes.get(k)[1]);
                long t0 = System.nanoTime(), c0 = Clocks.cpuNanos();
                op.get();
                long dt = System.nanoTime() - t0, dc = Clocks.cpuNanos() - c0;
                if (it >= 0) {
                    best[k] = Math.min(best[k], dt);
                    cpu[k] = Math.min(cpu[k], dc);
                }
            }
        String extra = f2 ? String.format(" | %9.1f %7.2fx %9.1f %7.2fx", best[2] / 1e6, (double) best[0] / best[2],
                cpu[2] / 1e6, (double) cpu[0] / cpu[2]) : "";
        System.out.printf("%-20s %-6s %9.1f %9.1f %7.2fx | %9.1f %9.1f %7.2fx%s%n", shape, pass, best[0] / 1e6, best[1] / 1e6,
                (double) best[0] / best[1], cpu[0] / 1e6, cpu[1] / 1e6, (double) cpu[0] / cpu[1], extra);
    }
}
