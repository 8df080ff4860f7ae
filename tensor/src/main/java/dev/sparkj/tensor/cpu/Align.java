package dev.sparkj.tensor.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/**
 * Where a float array's elements meet a cache line (64 bytes), so that kernels can place their scratch
 * vectors on whole lines.
 *
 * <p>Why it matters: a 16-float AVX-512 vector that starts anywhere else spans two cache lines, and every
 * load or store of it touches both. For data that stays in L1 (a Winograd tile's scratch, its transformed
 * planes) that doubles the cost of the memory operations: the input transform of a 48-channel 3x3 convolution
 * at 224 pixels ran about 1.9x faster with its scratch on line boundaries (a scratch loop, one thread; see
 * docs/benchmarks.md, session 21).
 *
 * <p>Java does not say where an array lies, and the collector moves arrays. What it does fix is where the
 * elements start relative to the object: after a header of 16 bytes (12 with compact object headers, 20
 * without compressed class pointers). When objects themselves start on 64-byte boundaries
 * ({@code -XX:ObjectAlignmentInBytes=64}, which {@code bin/sparkj} sets), element {@link #FLOATS} of every
 * float array is on a line boundary wherever the array is and however often it moves. Otherwise
 * {@link #FLOATS} is 0 and nothing is aligned on purpose, as before.
 *
 * <p>Only speed depends on this: a kernel that starts its scratch at {@link #FLOATS} computes the same values
 * at any offset. {@code -Dsparkj.align.floats=N} overrides it (0 turns it off).
 */
public final class Align {
    private Align() {}

    /** Bytes in a cache line. */
    public static final int LINE = 64;

    /** The first index of a float array whose element starts a cache line, or 0 when that is not known. */
    public static final int FLOATS = Integer.getInteger("sparkj.align.floats", detect());

    private static int detect() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (vm == null || Integer.parseInt(vm.getVMOption("ObjectAlignmentInBytes").getValue()) % LINE != 0) return 0;
            int header = option(vm, "UseCompactObjectHeaders") ? 12 : option(vm, "UseCompressedClassPointers") ? 16 : 20;
            return (LINE - header) / Float.BYTES;
        } catch (RuntimeException | LinkageError e) { // not HotSpot, or an option it does not have
            return 0;
        }
    }

    private static boolean option(HotSpotDiagnosticMXBean vm, String name) {
        try {
            return Boolean.parseBoolean(vm.getVMOption(name).getValue());
        } catch (IllegalArgumentException e) { // the option does not exist in this VM
            return false;
        }
    }
}
