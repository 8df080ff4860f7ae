package dev.sparkj.tensor;

import dev.sparkj.tensor.cpu.CpuBackend;
import dev.sparkj.tensor.ref.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The registry of backends: the reference oracle, the Vector API CPU backend (the default), and any
 * found at run time through {@link BackendProvider} (the OpenCL module registers itself this way).
 */
public final class Backends {
    private Backends() {}

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static final CpuBackend CPU = new CpuBackend();
    private static volatile List<Backend> all;

    /** The double-precision, plain-loop oracle. */
    public static Backend reference() { return REFERENCE; }

    /** The fast CPU backend; the default for new tensors. */
    public static Backend cpu() { return CPU; }

    /** The default backend for new tensors. */
    public static Backend defaultBackend() { return CPU; }

    /** Every backend usable on this machine: reference, cpu, then discovered ones that report themselves available. */
    public static List<Backend> all() {
        List<Backend> r = all;
        if (r == null) {
            r = new ArrayList<>(List.of(REFERENCE, CPU));
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
                try {
                    r.addAll(p.backends());
                } catch (RuntimeException | LinkageError e) {
                    System.err.println("sparkj: backend provider " + p.getClass().getName() + " unavailable: " + e.getMessage());
                }
            }
            all = r = List.copyOf(r);
        }
        return r;
    }
}
