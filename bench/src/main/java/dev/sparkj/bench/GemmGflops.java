package dev.sparkj.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link GemmBench} through JMH and prints GFLOP/s per shape and thread count.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.sparkj.bench.GemmGflops \
 *     [--shapes 1024,2048,50176x256x2304] [--threads 1,2] [--trans NN] [--wi 5] [--i 5] [--time 1]
 * </pre>
 *
 * Each thread count runs in its own forked JVM ({@code -Dsparkj.threads=N}). The table gives the
 * mean and the best iteration, GFLOP/s = 2*M*N*K / time.
 */
public final class GemmGflops {
    private GemmGflops() {}

    public static void main(String[] args) throws RunnerException {
        List<String> shapes = Arrays.asList(GemmBench.SHAPES);
        List<String> threads = List.of(String.valueOf(Runtime.getRuntime().availableProcessors()));
        String trans = "NN";
        int wi = 5, it = 5, time = 1;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--shapes" -> shapes = Arrays.stream(v.split(",")).map(GemmGflops::normalise).toList();
                case "--threads" -> threads = Arrays.asList(v.split(","));
                case "--trans" -> trans = v;
                case "--wi" -> wi = Integer.parseInt(v);
                case "--i" -> it = Integer.parseInt(v);
                case "--time" -> time = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        List<String[]> rows = new ArrayList<>();
        for (String t : threads) {
            ChainedOptionsBuilder opt = new OptionsBuilder()
                    .include(GemmBench.class.getName() + ".sgemm")
                    .param("shape", shapes.toArray(String[]::new))
                    .param("trans", trans)
                    .warmupIterations(wi).measurementIterations(it)
                    .warmupTime(TimeValue.seconds(time)).measurementTime(TimeValue.seconds(time))
                    .forks(1)
                    // Replaces @Fork's jvmArgsAppend, so repeat the Vector API module here.
                    .jvmArgsAppend("--add-modules", "jdk.incubator.vector", "-Xmx8g", "-Dsparkj.threads=" + t);
            for (RunResult r : new Runner(opt.build()).run()) {
                String shape = r.getParams().getParam("shape");
                int[] s = GemmBench.parse(shape);
                double flop = 2.0 * s[0] * s[1] * s[2];
                double meanMs = r.getPrimaryResult().getScore();
                double bestMs = r.getBenchmarkResults().stream()
                        .flatMap(br -> br.getIterationResults().stream())
                        .mapToDouble(ir -> ir.getPrimaryResult().getScore()).min().orElse(meanMs);
                rows.add(new String[] {shape, trans, t, String.format("%.3f", meanMs),
                        String.format("%.1f", flop / meanMs / 1e6), String.format("%.1f", flop / bestMs / 1e6)});
            }
        }
        if (rows.isEmpty()) throw new IllegalStateException("no JMH results (see the errors above)");
        System.out.printf("%n%-16s %-5s %-7s %10s %14s %14s%n", "shape MxNxK", "trans", "threads", "mean ms",
                "GFLOP/s(mean)", "GFLOP/s(best)");
        for (String[] r : rows) {
            System.out.printf("%-16s %-5s %-7s %10s %14s %14s%n", (Object[]) r);
        }
    }

    private static String normalise(String s) {
        int[] d = GemmBench.parse(s);
        return d[0] + "x" + d[1] + "x" + d[2];
    }
}
