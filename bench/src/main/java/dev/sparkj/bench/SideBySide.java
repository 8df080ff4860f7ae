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
 * side's {@code -D} properties are set while its classes initialise, then cleared). Workloads: {@code gemm},
 * SGEMM through the public {@code Sgemm.gemm} on the shapes of SparK's steps, three storage orders each; and
 * {@code decoder}, the convolutions of SparK's decoder at 224 px (per level: the 4x4 stride-2 up-sampling and
 * both 3x3 convolutions, forward, input and weight gradient, channels-last, batch 16 or {@code -Dbatch=N}).
 * Each figure is the best of {@code rounds} calls per side, the sides taking turns call by call.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.sparkj.bench.SideBySide \
 *     CLASSPATH_A "PROPS_A" CLASSPATH_B "PROPS_B" [rounds [gemm|decoder]]
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
        if (args.length < 4) throw new IllegalArgumentException("usage: CLASSPATH_A PROPS_A CLASSPATH_B PROPS_B [rounds [gemm|decoder]]");
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        String workload = args.length > 5 ? args[5] : "gemm";
        Class<?> w = switch (workload) {
            case "gemm" -> Workload.class;
            case "decoder" -> Decoder.class;
            default -> throw new IllegalArgumentException("workload " + workload + ": gemm or decoder");
        };
        Class<?> sideA = side(w, args[0], args[1]), sideB = side(w, args[2], args[3]);
        Method a = sideA.getMethod("run", int.class), b = sideB.getMethod("run", int.class);
        int cases = (int) sideA.getMethod("cases").invoke(null);
        double logSum = 0;
        for (int i = 0; i < cases; i++) {
            // gemm: GFLOP/s (higher is better); decoder: milliseconds (lower is better); both as "B against A"
            double va = Double.NaN, vb = Double.NaN;
            for (int r = 0; r < rounds; r++) {
                va = best(workload, va, (double) a.invoke(null, i));
                vb = best(workload, vb, (double) b.invoke(null, i));
            }
            double speed = workload.equals("gemm") ? vb / va : va / vb;
            logSum += Math.log(speed);
            System.out.printf("%-28s A %8.1f  B %8.1f %s  B speed / A %.3f%n", sideA.getMethod("name", int.class).invoke(null, i),
                    va, vb, workload.equals("gemm") ? "GFLOP/s" : "ms", speed);
        }
        System.out.printf("geometric mean of B's speed over A's %.3f over %d cases%n", Math.exp(logSum / cases), cases);
    }

    private static double best(String workload, double sofar, double v) {
        if (Double.isNaN(sofar)) return v;
        return workload.equals("gemm") ? Math.max(sofar, v) : Math.min(sofar, v);
    }

    /** Loads workload class w over this jar and {@code classpath} with {@code props} set while it initialises. */
    private static Class<?> side(Class<?> w, String classpath, String props) throws Exception {
        // the side's jars first: if this jar is the shaded benchmarks.jar, it holds a copy of the engine too
        List<URL> urls = new ArrayList<>();
        for (String p : classpath.split(":")) if (!p.isBlank()) urls.add(Path.of(p).toUri().toURL());
        urls.add(SideBySide.class.getProtectionDomain().getCodeSource().getLocation());
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
            Class<?> side = Class.forName(w.getName(), true, loader);
            side.getMethod("warm").invoke(null);
            return side;
        } finally {
            for (String k : keys) System.clearProperty(k);
        }
    }

    /** Loaded once per side: operands, and one timed product. Public for reflection across the loaders. */
    public static final class Workload {
        private Workload() {}

        private static final String[] ORDERS = {"NN", "NT", "TN"};

        public static int cases() { return SHAPES.length * 3; }

        public static String name(int i) {
            int[] s = SHAPES[i / 3];
            return s[0] + "x" + s[1] + "x" + s[2] + " " + ORDERS[i % 3];
        }

        public static double run(int i) {
            int[] s = SHAPES[i / 3];
            return gflops(s[0], s[1], s[2], i % 3);
        }

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

    /** SparK's decoder convolutions at 224 px through the public Tensor API; one case = one pass of one layer. */
    public static final class Decoder {
        private Decoder() {}

        private static final String[] PASSES = {"up fwd", "up input-grad", "up weight-grad", "3x3 fwd", "3x3 input-grad",
                "3x3 weight-grad", "3x3/2 fwd", "3x3/2 input-grad", "3x3/2 weight-grad"};
        private static final dev.sparkj.tensor.Conv2dSpec S2 = dev.sparkj.tensor.Conv2dSpec.of(2, 1, 1);
        private static final dev.sparkj.tensor.Conv2dSpec S1 = dev.sparkj.tensor.Conv2dSpec.of(1, 1, 1);
        private static final dev.sparkj.tensor.Tensor[] XS = new dev.sparkj.tensor.Tensor[5], XB = new dev.sparkj.tensor.Tensor[5],
                XO = new dev.sparkj.tensor.Tensor[5], WT = new dev.sparkj.tensor.Tensor[5], W1 = new dev.sparkj.tensor.Tensor[5],
                W2 = new dev.sparkj.tensor.Tensor[5];

        public static void warm() {
            int n = Integer.getInteger("batch", 16);
            dev.sparkj.tensor.Rng rng = new dev.sparkj.tensor.Rng(1);
            for (int level = 0; level < 5; level++) { // 7->14 x 768 up to 112->224 x 48
                int c = 768 >> level, h = 7 << level;
                XS[level] = rng.normal(0, 1, n, c, h, h).toChannelsLast();
                XB[level] = rng.normal(0, 1, n, c, 2 * h, 2 * h).toChannelsLast();
                XO[level] = rng.normal(0, 1, n, c / 2, 2 * h, 2 * h).toChannelsLast();
                WT[level] = rng.normal(0, 0.05, c, c, 4, 4);
                W1[level] = rng.normal(0, 0.05, c, c, 3, 3);
                W2[level] = rng.normal(0, 0.05, c / 2, c, 3, 3);
            }
            run(PASSES.length * 4); // first use, while this side's properties are set
        }

        public static int cases() { return 5 * PASSES.length; }

        public static String name(int i) {
            int level = i / PASSES.length, c = 768 >> level, h = 14 << level;
            return h + "x" + h + "x" + c + " " + PASSES[i % PASSES.length];
        }

        /** One pass; returns milliseconds. */
        public static double run(int i) {
            int l = i / PASSES.length;
            long t0 = System.nanoTime();
            switch (i % PASSES.length) {
                case 0 -> XS[l].conv2dBackwardInput(WT[l], S2, XB[l].shape());
                case 1 -> XB[l].conv2d(WT[l], null, S2);
                case 2 -> XS[l].conv2dBackwardWeight(XB[l], S2, WT[l].shape());
                case 3 -> XB[l].conv2d(W1[l], null, S1);
                case 4 -> XB[l].conv2dBackwardInput(W1[l], S1, XB[l].shape());
                case 5 -> XB[l].conv2dBackwardWeight(XB[l], S1, W1[l].shape());
                case 6 -> XB[l].conv2d(W2[l], null, S1);
                case 7 -> XO[l].conv2dBackwardInput(W2[l], S1, XB[l].shape());
                default -> XO[l].conv2dBackwardWeight(XB[l], S1, W2[l].shape());
            }
            return (System.nanoTime() - t0) / 1e6;
        }
    }
}
