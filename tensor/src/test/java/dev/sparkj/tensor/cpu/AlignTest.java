package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * {@link Align#FLOATS} against the JVM's own account of where a float array's elements start
 * ({@code sun.misc.Unsafe.arrayBaseOffset}, used here only as the oracle). The build runs the tests with
 * {@code -XX:ObjectAlignmentInBytes=64}, as {@code bin/sparkj} runs the engine, so the offset must be found.
 */
class AlignTest {
    @Test
    void elementFloatsStartsACacheLine() throws ReflectiveOperationException {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        int objectAlignment = Integer.parseInt(vm.getVMOption("ObjectAlignmentInBytes").getValue());
        if (objectAlignment % Align.LINE != 0) {
            assertEquals(0, Align.FLOATS, "no line boundary is known when objects are only " + objectAlignment + "-byte aligned");
            return;
        }
        var field = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        field.setAccessible(true);
        int base = ((sun.misc.Unsafe) field.get(null)).arrayBaseOffset(float[].class);
        assertTrue(Align.FLOATS > 0 && Align.FLOATS < 16, "offset " + Align.FLOATS);
        assertEquals(0, (base + Float.BYTES * Align.FLOATS) % Align.LINE,
                "float data starts " + base + " bytes into the object; element " + Align.FLOATS + " must start a line");
    }
}
