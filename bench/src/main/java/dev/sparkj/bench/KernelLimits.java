package dev.sparkj.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link KernelBench} through JMH and prints, per kernel, its mean time, its throughput (GFLOP/s or
 * GB/s from {@link KernelBench#work}) and that throughput as a percentage of the machine's limit measured
 * in the same run: {@code sgemm2048} for compute-bound kernels, {@code triad} (all threads) for
 * memory-bound ones. The output of {@code uptime} is printed before and after the run.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.sparkj.bench.KernelLimits \
 *     [--include REGEX] [--wi 2] [--i 3] [--time 1] [--threads N]
 * </pre>
 *
 * {@code --include} selects benchmark methods of {@link KernelBench} (a JMH regular expression on the
 * method name); the two reference benchmarks are always added so that every row has its limit. Each
 * benchmark runs in one forked JVM; {@code --threads} sets {@code -Dsparkj.threads} there.
 */
public final class KernelLimits {
    private KernelLimits() {}

    private static final String COMPUTE_REF = "sgemm2048";
    private static final String MEMORY_REF = "triad";

    public static void main(String[] args) throws RunnerException {
        String include = ".*";
        int wi = 2, it = 3, time = 1;
        String threads = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--include" -> include = v;
                case "--wi" -> wi = Integer.parseInt(v);
                case "--i" -> it = Integer.parseInt(v);
                case "--time" -> time = Integer.parseInt(v);
                case "--threads" -> threads = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        String start = uptime();
        String prefix = KernelBench.class.getName() + ".";
        List<String> jvmArgs = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector", "-Xmx4g"));
        if (threads != null) jvmArgs.add("-Dsparkj.threads=" + threads);
        ChainedOptionsBuilder opt = new OptionsBuilder()
                .include(prefix + "(" + include + ")$")
                .include(prefix + "(" + COMPUTE_REF + "|" + MEMORY_REF + ")$")
                .warmupIterations(wi).measurementIterations(it)
                .warmupTime(TimeValue.seconds(time)).measurementTime(TimeValue.seconds(time))
                .forks(1)
                // Replaces @Fork's jvmArgsAppend, so the Vector API module is repeated here.
                .jvmArgsAppend(jvmArgs.toArray(String[]::new));
        Collection<RunResult> results = new Runner(opt.build()).run();
        String end = uptime();
        if (results.isEmpty()) throw new IllegalStateException("no JMH results (see the errors above)");

        // one row per benchmark and parameter set, with its nominal work
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String method = label.substring(label.lastIndexOf('.') + 1);
            Map<String, String> params = new TreeMap<>();
            for (String key : r.getParams().getParamsKeys()) params.put(key, r.getParams().getParam(key));
            KernelBench.Work w = KernelBench.work(method, params);
            double ms = r.getPrimaryResult().getScore();
            // the measured iterations' own averages: under load the spread says more than a 3-sample interval
            double[] its = r.getBenchmarkResults().stream().flatMap(br -> br.getIterationResults().stream())
                    .mapToDouble(ir -> ir.getPrimaryResult().getScore()).toArray();
            double min = java.util.Arrays.stream(its).min().orElse(ms), max = java.util.Arrays.stream(its).max().orElse(ms);
            // flops or bytes per ms / 1e6 = G per second
            rows.add(new Row(method, w, ms, min, max, w.amount() / ms / 1e6, w.amount() / min / 1e6));
        }
        double gflops = rows.stream().filter(x -> x.method.equals(COMPUTE_REF)).mapToDouble(Row::rate).findFirst().orElse(Double.NaN);
        double gbs = rows.stream().filter(x -> x.method.equals(MEMORY_REF)).mapToDouble(Row::rate).findFirst().orElse(Double.NaN);

        rows.sort(Comparator.comparing((Row x) -> x.work.bound()).thenComparing(x -> x.work.what()));
        System.out.printf("%nsparkj KernelBench, %d JMH warm-up x %d s, %d measured x %d s, 1 fork per benchmark, threads %s, %s%n",
                wi, time, it, time, threads == null ? "all cores (" + Runtime.getRuntime().availableProcessors() + ")" : threads,
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")));
        System.out.println("uptime before: " + start);
        System.out.println("uptime after:  " + end);
        System.out.printf("limits (mean): sgemm 2048^3 %.1f GFLOP/s, triad %.1f GB/s%n%n", gflops, gbs);
        System.out.printf("| %-40s | %8s | %17s | %15s | %10s | %10s |%n", "kernel", "mean ms", "iterations ms",
                "rate (mean)", "best iter", "% of limit");
        System.out.printf("|%s|%s|%s|%s|%s|%s|%n", "-".repeat(42), "-".repeat(9) + ":", "-".repeat(18) + ":",
                "-".repeat(16) + ":", "-".repeat(11) + ":", "-".repeat(11) + ":");
        for (Row x : rows) {
            boolean compute = x.work.bound() == KernelBench.Bound.COMPUTE;
            double limit = compute ? gflops : gbs;
            System.out.printf("| %-40s | %8.2f | %17s | %15s | %10.1f | %9.0f%% |%n", x.work.what(), x.ms,
                    String.format("%.1f-%.1f", x.min, x.max),
                    String.format("%.1f %s", x.rate, compute ? "GFLOP/s" : "GB/s"), x.best, 100 * x.rate / limit);
        }
        System.out.println("(rate = nominal work / mean time; best iter = the same from the fastest measured iteration;"
                + " % of limit = mean rate / the mean sgemm or triad rate of this run)");
    }

    private record Row(String method, KernelBench.Work work, double ms, double min, double max, double rate, double best) {}

    /** The output of {@code uptime}, or {@code /proc/loadavg} when that command is missing. */
    private static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return out;
        } catch (IOException e) {
            try {
                return "loadavg " + java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
            } catch (IOException e2) {
                return "(load average unavailable)";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }
}
