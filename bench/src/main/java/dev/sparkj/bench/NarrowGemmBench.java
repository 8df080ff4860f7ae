package dev.sparkj.bench;

import dev.sparkj.tensor.cpu.Parallel;
import dev.sparkj.tensor.cpu.Sgemm;

import java.util.SplittableRandom;

/**
 * {@code C = A B} and {@code C = A B^T} with few columns (1x1 convolutions and linear layers down to 64-128
 * channels, and their input gradients) on the packed GEMM path against {@code Sgemm}'s narrow path (B packed
 * once, A read in place), switched with {@code sparkj.gemm.narrow} and interleaved in one process; best of
 * {@code iterations} wall-clock times per path after one warm-up each, load average before and after.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * dev.sparkj.bench.NarrowGemmBench [iterations]} (default 20).
 */
public final class NarrowGemmBench {
    private NarrowGemmBench() {}

    public static void main(String[] args) {
        int iters = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("sparkj NarrowGemmBench: %d threads, best of %d, load average %.2f%n", Parallel.threads(), iters, Clocks.load());
        System.out.printf("%-26s %10s %10s %8s %12s%n", "m x n x k (B layout)", "packed ms", "narrow ms", "speed-up", "narrow GF/s");
        int[][] shapes = {{10000, 96, 384}, {10000, 64, 256}, {20000, 64, 256}, {10000, 128, 512}, {20000, 128, 64}, {5000, 64, 1024}};
        SplittableRandom rnd = new SplittableRandom(1);
        for (int[] s : shapes)
            for (boolean tb : new boolean[]{true, false}) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = fill(rnd, m * k), b = fill(rnd, k * n), c = new float[m * n];
                long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
                for (int it = -1; it < iters; it++)
                    for (int path = 0; path < 2; path++) {
                        System.setProperty("sparkj.gemm.narrow", path == 0 ? "false" : "true");
                        long t0 = System.nanoTime();
                        Sgemm.gemm(false, tb, m, n, k, 1f, a, 0, k, b, 0, tb ? k : n, 0f, c, 0, n);
                        long dt = System.nanoTime() - t0;
                        if (it >= 0) best[path] = Math.min(best[path], dt);
                    }
                System.out.printf("%-26s %10.2f %10.2f %7.2fx %12.1f%n", m + "x" + n + "x" + k + (tb ? " (B^T)" : " (B)"),
                        best[0] / 1e6, best[1] / 1e6, (double) best[0] / best[1], 2.0 * m * n * k / best[1]);
            }
        System.clearProperty("sparkj.gemm.narrow");
        System.out.printf("load average after: %.2f%n", Clocks.load());
    }

    private static float[] fill(SplittableRandom rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
