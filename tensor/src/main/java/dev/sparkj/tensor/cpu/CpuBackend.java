package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.ref.ReferenceBackend;

/**
 * The fast CPU backend: Vector API kernels on the shared {@link Parallel} pool.
 * (Placeholder: currently inherits the reference loops while the fast kernels are written.)
 */
public class CpuBackend extends ReferenceBackend {
    @Override public String name() { return "cpu"; }
}
