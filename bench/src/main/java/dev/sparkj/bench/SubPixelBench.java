package dev.sparkj.bench;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

import java.util.function.Supplier;

/**
 * SparK's decoder up-sampling ConvTranspose2d(C, C, 4, 2, 1) in its conv2d view (x {@code [N, C, 2h, 2w]},
 * w {@code [C, C, 4, 4]}, gy {@code [N, C, h, w]}, channels-last): the conv2d forward (the transposed conv's input
 * gradient), its input gradient (the transposed conv's forward) and weight gradient, im2col + GEMM
 * ({@code sparkj.conv.subpixel=false}) against the space-to-depth Winograd path ({@code sparkj.conv.winograd=force},
 * so that shapes the default heuristic refuses are timed too), interleaved in one process; best of
 * {@code iterations} wall-clock and process CPU times.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Xmx14g -cp bench/target/benchmarks.jar
 * dev.sparkj.bench.SubPixelBench [batch] [iterations]} (defaults 16 and 3).
 */
public final class SubPixelBench {
    private SubPixelBench() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf("sparkj SubPixelBench: %d threads, batch %d, best of %d, load average %.2f%n",
                Parallel.threads(), batch, iters, Clocks.load());
        System.out.printf("%-22s %-6s %9s %9s %8s | %9s %9s %8s%n", "convT (h->2h, C)", "pass", "old ms", "new ms",
                "speed-up", "old cpu", "new cpu", "speed-up");
        Conv2dSpec spec = Conv2dSpec.of(2, 1, 1);
        Rng rng = new Rng(1);
        int[][] levels = {{7, 768}, {14, 384}, {28, 192}, {56, 96}, {112, 48}};
        for (int[] lv : levels) {
            int h = lv[0], c = lv[1];
            Tensor x = rng.normal(0, 1, batch, c, 2 * h, 2 * h).toChannelsLast();
            Tensor w = rng.normal(0, 1 / Math.sqrt(16.0 * c), c, c, 4, 4);
            Tensor gy = rng.normal(0, 1, batch, c, h, h).toChannelsLast();
            String shape = h + "->" + 2 * h + ", " + c;
            row(shape, "fwd", iters, () -> x.conv2d(w, null, spec));
            row(shape, "bwd-in", iters, () -> gy.conv2dBackwardInput(w, spec, x.shape()));
            row(shape, "bwd-w", iters, () -> gy.conv2dBackwardWeight(x, spec, w.shape()));
        }
        System.out.printf("load average after: %.2f%n", Clocks.load());
        System.clearProperty("sparkj.conv.subpixel");
        System.clearProperty("sparkj.conv.winograd");
    }

    private static void row(String shape, String pass, int iters, Supplier<?> op) {
        long[] best = {Long.MAX_VALUE, Long.MAX_VALUE}, cpu = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (int it = -1; it < iters; it++)
            for (int k = 0; k < 2; k++) {
                System.setProperty("sparkj.conv.subpixel", k == 0 ? "false" : "true");
                System.setProperty("sparkj.conv.winograd", "force");
                long t0 = System.nanoTime(), c0 = Clocks.cpuNanos();
                op.get();
                long dt = System.nanoTime() - t0, dc = Clocks.cpuNanos() - c0;
                if (it >= 0) {
                    best[k] = Math.min(best[k], dt);
                    cpu[k] = Math.min(cpu[k], dc);
                }
            }
        System.out.printf("%-22s %-6s %9.1f %9.1f %7.2fx | %9.1f %9.1f %7.2fx%n", shape, pass, best[0] / 1e6, best[1] / 1e6,
                (double) best[0] / best[1], cpu[0] / 1e6, cpu[1] / 1e6, (double) cpu[0] / cpu[1]);
    }
}
