package dev.sparkj.bench;

import dev.sparkj.tensor.cpu.Sgemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of {@link Sgemm}: {@code C = A * B} (beta 0) on square products and on the GEMMs of
 * convolution layers lowered by im2col.
 *
 * <p>Shapes are {@code MxNxK}: 256..2048 squares; {@code 50176x256x2304} is a 3x3 conv 256->256 on
 * 56x56 at batch 16 (M = 16*56*56 output pixels, K = 9*256); {@code 3136x1024x256} is a 1x1 conv
 * 256->1024 on 14x14 at batch 16. GFLOP/s = 2*M*N*K / time (see {@link GemmGflops}). Threads follow
 * {@code -Dsparkj.threads} of the forked JVM (default: all cores).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class GemmBench {
    /** All shapes the benchmark knows, as {@code MxNxK}. */
    public static final String[] SHAPES = {
        "256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048", "50176x256x2304", "3136x1024x256",
    };

    @Param({"256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048", "50176x256x2304", "3136x1024x256"})
    public String shape;

    /** Storage of A and B: NN, NT (B stored N x K), TN (A stored K x M) or TT. */
    @Param({"NN"})
    public String trans;

    private int m, n, k;
    private boolean ta, tb;
    private float[] a, b, c;

    @Setup
    public void setup() {
        int[] s = parse(shape);
        m = s[0];
        n = s[1];
        k = s[2];
        ta = trans.charAt(0) == 'T';
        tb = trans.charAt(1) == 'T';
        SplittableRandom rnd = new SplittableRandom(42);
        a = random(rnd, (long) m * k);
        b = random(rnd, (long) k * n);
        c = new float[Math.multiplyExact(m, n)];
    }

    @Benchmark
    public float[] sgemm() {
        Sgemm.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
        return c;
    }

    /** Parses {@code MxNxK} (or a single number for a square product) into {@code {m, n, k}}. */
    public static int[] parse(String shape) {
        String[] p = shape.toLowerCase().split("x");
        if (p.length == 1) {
            int s = Integer.parseInt(p[0]);
            return new int[] {s, s, s};
        }
        if (p.length != 3) throw new IllegalArgumentException("shape must be MxNxK: " + shape);
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    private static float[] random(SplittableRandom rnd, long len) {
        float[] x = new float[Math.toIntExact(len)];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() - 0.5);
        return x;
    }
}
