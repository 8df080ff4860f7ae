package dev.sparkj.tensor;

import java.util.List;

/** A source of extra backends discovered with {@link java.util.ServiceLoader} (e.g. OpenCL devices). */
public interface BackendProvider {
    /** The backends usable on this machine; empty when the device or driver is missing. */
    List<Backend> backends();
}
