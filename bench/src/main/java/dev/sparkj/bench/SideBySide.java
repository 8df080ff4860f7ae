package dev.sparkj.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Two builds or two settings of the engine in one JVM, timed alternately: for machines whose speed drifts
 * from minute to minute (the 2-core development machine: ±15 %), where two separate runs cannot resolve a
 * few per cent. Each side gets its own class loader over its own classpath, so it has its own copy of every
 * engine class (and of the static settings they read from system properties when they are first used: a
 * side's {@code -D} properties are set while its classes initialise, then cleared). The workload is SGEMM
 * through the public {@code Sgemm.gemm} on the shapes of SparK's steps, three storage orders each; each
 * shape's figure is the best of {@code rounds} calls per side, the sides taking turns call by call.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.sparkj.bench.SideBySide \
 *     CLASSPATH_A "PROPS_A" CLASSPATH_B "PROPS_B" [rounds]
 * </pre>
 * A classpath is the engine's jars joined with ':' (this jar is added to both); PROPS is
 * {@code "key=value key=value"} or {@code "-"} for none. Prints GFLOP/s per shape and the geometric mean of
 * B / A. Run it both ways round (A, B and B, A): the side that runs second in a turn gains about 1 %.
 */
public final class SideBySide {
    private SideBySide() {}

    /** m, n, k: the 1x1 convolutions of ConvNeXt-S and ResNet-50, a 3x3 im2col, Winograd's products, and a square. */
    private static final int[][] SHAPES = {
            {627, 1536, 384}, {627, 384, 1536}, {1536, 384, 627}, {2509, 768, 192}, {784, 768, 3072},
            {1024, 1024, 1024}, {3136, 256, 576}};

    public static void main(String[] args) throws Exception {
        if (args.length < 4) throw new IllegalArgumentException("usage: CLASSPATH_A PROPS_A CLASSPATH_B PROPS_B [rounds]");
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        Method a = side(args[0], args[1]), b = side(args[2], args[3]);
        String[] orders = {"NN", "NT", "TN"};
        double logSum = 0;
        int count = 0;
        for (int[] s : SHAPES)
            for (int order = 0; order < 3; order++) {
                double ga = 0, gb = 0;
                for (int r = 0; r < rounds; r++) {
                    ga = Math.max(ga, (double) a.invoke(null, s[0], s[1], s[2], order));
                    gb = Math.max(gb, (double) b.invoke(null, s[0], s[1], s[2], order));
                }
                logSum += Math.log(gb / ga);
                count++;
                System.out.printf("%dx%dx%d %s  A %6.1f  B %6.1f GFLOP/s  B/A %.3f%n", s[0], s[1], s[2], orders[order], ga, gb, gb / ga);
            }
        System.out.printf("geometric mean B/A %.3f over %d products%n", Math.exp(logSum / count), count);
    }

    /** Loads {@link Workload} over this jar and {@code classpath} with {@code props} set while it initialises. */
    private static Method side(String classpath, String props) throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(SideBySide.class.getProtectionDomain().getCodeSource().getLocation());
        for (String p : classpath.split(":")) if (!p.isBlank()) urls.add(Path.of(p).toUri().toURL());
        List<String> keys = new ArrayList<>();
        if (!props.equals("-"))
            for (String kv : props.trim().split("\\s+")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("property " + kv + " is not key=value");
                System.setProperty(kv.substring(0, eq), kv.substring(eq + 1));
                keys.add(kv.substring(0, eq));
            }
        // parent: the platform loader, so that the engine's classes come from this side's classpath only
        ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        try {
            Class<?> w = Class.forName(Workload.class.getName(), true, loader);
            w.getMethod("warm").invoke(null);
            return w.getMethod("gflops", int.class, int.class, int.class, int.class);
        } finally {
            for (String k : keys) System.clearProperty(k);
        }
    }

    /** Loaded once per side: operands, and one timed product. Public for reflection across the loaders. */
    public static final class Workload {
        private Workload() {}

        private static float[] a, b, c;

        public static void warm() {
            a = new float[3136 * 3072];
            b = new float[3072 * 1536];
            c = new float[3136 * 1536];
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
            // first use: initialises the engine's classes (and their settings) while this side's properties are set
            gflops(64, 64, 64, 0);
        }

        /** One product C = op(A) op(B), order 0 = NN, 1 = NT, 2 = TN; returns GFLOP/s. */
        public static double gflops(int m, int n, int k, int order) {
            boolean ta = order == 2, tb = order == 1;
            long t0 = System.nanoTime();
            dev.sparkj.tensor.cpu.Sgemm.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
            return 2.0 * m * n * k / (System.nanoTime() - t0);
        }
    }
}
