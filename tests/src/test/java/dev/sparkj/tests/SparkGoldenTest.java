package dev.sparkj.tests;

import dev.sparkj.spark.golden.GoldenCase;
import dev.sparkj.spark.golden.GoldenCheck;
import dev.sparkj.spark.golden.SparkGolden;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The committed {@code spark} fixtures (tests/golden/spark_*) under golden-format.md's tolerances: the loss,
 * every gradient, the BatchNorm buffers, the LAMB step and the eval-mode reconstruction, computed with the
 * true sparse encoder. Fails naming the worst tensor.
 */
class SparkGoldenTest {

    static List<Path> fixtures() throws Exception {
        Path dir = Files.isDirectory(Path.of("golden")) ? Path.of("golden") : Path.of("tests", "golden");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("spark_") && Files.isDirectory(p)).sorted().toList();
        }
    }

    private static void check(Path dir, SparseMap.Mode mode) throws Exception {
        GoldenCase c = GoldenCase.load(dir);
        Map<String, Tensor> expected = c.io();
        Map<String, Tensor> got = SparkGolden.run(c, mode);
        GoldenCheck.Report r = GoldenCheck.compare(c.name(), expected, c.state(), got);
        assertEquals(expected.size() - 2, r.entries().size(), "every expected output (all but input, active) is compared");
        for (GoldenCheck.Entry e : r.entries())
            if (!e.ok()) fail(c.name() + " (" + mode + "): worst tensor " + e + "\n" + r.summary());
        System.out.println(mode + " " + r.summary());
        assertTrue(r.entries().stream().anyMatch(e -> e.name().startsWith("step.")), "the LAMB step is compared");
    }

    @Test
    void sparseEncoderMatchesReference() throws Exception {
        List<Path> all = fixtures();
        assertTrue(all.size() >= 3, "expected the committed spark fixtures, found " + all);
        for (Path p : all) check(p, SparseMap.Mode.PACKED);
    }

    @Test
    void exactConvolutionPathMatchesReference() throws Exception {
        // what `bin/sparkj golden` runs: convolutions without Winograd (the test above runs the training default)
        String before = System.getProperty("sparkj.conv.winograd");
        System.setProperty("sparkj.conv.winograd", "false");
        try {
            for (Path p : fixtures()) check(p, SparseMap.Mode.PACKED);
        } finally {
            if (before == null) System.clearProperty("sparkj.conv.winograd");
            else System.setProperty("sparkj.conv.winograd", before);
        }
    }

    @Test
    void maskedDenseEmulationMatchesReference() throws Exception {
        // the oracle path (dense ops + re-masking, as the reference computes) on one ResNet and one ConvNeXt fixture
        for (Path p : fixtures()) {
            String n = p.getFileName().toString();
            if (n.contains("r18") || n.contains("cnxtiny")) check(p, SparseMap.Mode.MASKED_DENSE);
        }
    }
}
