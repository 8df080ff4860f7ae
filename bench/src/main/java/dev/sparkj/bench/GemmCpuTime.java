package dev.sparkj.bench;

import dev.sparkj.tensor.cpu.Parallel;
import dev.sparkj.tensor.cpu.Sgemm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Single-thread GEMM throughput by thread CPU time, for a machine shared with other work: time the
 * other processes take from the core is not counted, so the figure tracks the kernel rather than the
 * load (the JMH figures of {@link GemmGflops} are wall-clock). Compare with
 * {@code openblas_sgemm.py --clock cpu} at one BLAS thread.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dsparkj.threads=1 -cp bench/target/benchmarks.jar \
 *     dev.sparkj.bench.GemmCpuTime [shape ...]   (shapes as MxNxK or S; default 1024 2048)
 * </pre>
 */
public final class GemmCpuTime {
    private GemmCpuTime() {}

    public static void main(String[] args) {
        if (Parallel.threads() != 1) {
            throw new IllegalStateException("run with -Dsparkj.threads=1 (CPU time of one thread)");
        }
        String[] shapes = args.length > 0 ? args : new String[] {"1024", "2048"};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        SplittableRandom rnd = new SplittableRandom(42);
        System.out.printf("%-16s %14s %14s%n", "shape MxNxK", "GFLOP/s(median)", "GFLOP/s(best)");
        for (String shape : shapes) {
            int[] s = GemmBench.parse(shape);
            int m = s[0], n = s[1], k = s[2];
            float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
            for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() - 0.5);
            for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() - 0.5);
            double flop = 2.0 * m * n * k;
            int reps = (int) Math.max(1, 3e10 / flop);  // about half a second per timed run
            // Warm up for at least 4 CPU-seconds: C2 needs a while to compile the kernel and the loops
            // around it, longer on a busy machine.
            long warm = mx.getCurrentThreadCpuTime();
            for (int w = 0; w < 20 || mx.getCurrentThreadCpuTime() - warm < 4_000_000_000L; w++) {
                Sgemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            }
            double[] g = new double[7];
            for (int r = 0; r < g.length; r++) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) Sgemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                g[r] = flop * reps / (mx.getCurrentThreadCpuTime() - t0);
            }
            Arrays.sort(g);
            System.out.printf("%-16s %14.1f %14.1f%n", m + "x" + n + "x" + k, g[g.length / 2], g[g.length - 1]);
        }
    }
}
