package dev.sparkj.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link OpProfile}'s table, from a child JVM started with {@code -Dsparkj.profile=true} (the switch is read once,
 * at class initialisation): each op's calls, and the GEMM work charged to the pass it ran in.
 */
class OpProfileTest {
    private static final int M = 1024, K = 1024, N = 512;

    @Test
    void chargesEachOpItsGemmWork() throws Exception {
        String out = profiled("true");
        double product = 2.0 * M * K * N / 1e9; // one M x K times K x N product, in GFLOP
        String[] fwd = row(out, "forward", "matmul"), bwd = row(out, "backward", "matmul"), relu = row(out, "forward", "relu");
        assertEquals(7, fwd.length, out);
        assertEquals(7, bwd.length, out);
        assertEquals("1", fwd[4], out);                                  // calls
        assertEquals(product, Double.parseDouble(fwd[5]), 0.051, out);   // the forward product
        assertEquals(2 * product, Double.parseDouble(bwd[5]), 0.051, out); // both gradients' products
        assertTrue(Double.parseDouble(fwd[6]) > 0 && Double.parseDouble(bwd[6]) > 0, out);
        assertEquals(5, relu.length, out);                               // no GEMM work: no work columns
    }

    @Test
    void withShapesEachShapeIsItsOwnRow() throws Exception {
        String out = profiled("shapes");
        // the matmul's first input and its output; in backward, the output's gradient
        List<String> matmul = out.lines().map(String::trim).filter(l -> l.contains("matmul [1024, 1024]->[1024, 512]")).toList();
        assertEquals(2, matmul.size(), out);
        assertTrue(matmul.get(0).startsWith("forward") && matmul.get(1).startsWith("backward"), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("forward") && l.contains("relu [1024, 512]->[1024, 512]")), out);
    }

    /** The standard output of {@link Run} in a child JVM with {@code -Dsparkj.profile=value}. */
    private static String profiled(String value) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dsparkj.profile=" + value,
                "-cp", System.getProperty("java.class.path"), Run.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /** The table row of one op in one pass, split on blanks: pass, op, seconds, share, calls[, GFLOP, GFLOP/s]. */
    private static String[] row(String report, String pass, String op) {
        List<String[]> rows = report.lines().map(String::trim).map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 2 && f[0].equals(pass) && f[1].equals(op)).toList();
        assertEquals(1, rows.size(), report);
        return rows.get(0);
    }

    /** A matmul followed by a relu, forward and backward, then the profile's table on standard output. */
    static final class Run {
        public static void main(String[] args) {
            Rng r = new Rng(3);
            Variable a = Variable.param(r.normal(0, 1, M, K)), b = Variable.param(r.normal(0, 1, K, N));
            OpProfile.start();
            Variable y = F.relu(F.matmul(a, b));
            y.backward(Tensor.ones(M, N));
            System.out.print(OpProfile.report());
        }
    }
}
