package dev.sparkj.spark.cli;

import dev.sparkj.tensor.Backend;
import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;

/** {@code sparkj info}: the JDK, vector species and width, threads and available backends. */
final class InfoCommand {
    private InfoCommand() {}

    static int run(String[] args) {
        Runtime rt = Runtime.getRuntime();
        System.out.println("sparkj " + version());
        System.out.println("java:     " + System.getProperty("java.vm.name") + " " + Runtime.version() + " (" + System.getProperty("java.home") + ")");
        System.out.println("os/arch:  " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        var sp = FloatVector.SPECIES_PREFERRED;
        System.out.println("vector:   " + sp + " (" + sp.vectorBitSize() + " bits, " + sp.length() + " floats)");
        System.out.println("threads:  " + Parallel.threads() + " (cores " + rt.availableProcessors() + "; set -Dsparkj.threads=N via SPARKJ_JAVA_OPTS)");
        System.out.println("memory:   max heap " + rt.maxMemory() / (1 << 20) + " MiB");
        StringBuilder b = new StringBuilder();
        for (Backend be : Backends.all()) b.append(b.isEmpty() ? "" : ", ").append(be.name());
        System.out.println("backends: " + b + " (default " + Backends.defaultBackend().name() + ")");
        return 0;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
