package dev.sparkj.tests;

import dev.sparkj.spark.golden.ClassifyGolden;
import dev.sparkj.spark.golden.GoldenCase;
import dev.sparkj.spark.golden.GoldenCheck;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The committed {@code classify} fixtures (tests/golden) under golden-format.md's tolerances: loss relative
 * error ≤ 1e-4, every other tensor max|got - ref| / max|ref| ≤ 2e-3. Fails naming the worst tensor.
 */
class ClassifyGoldenTest {

    static Path fixture(String name) {
        for (Path p : List.of(Path.of("golden", name), Path.of("tests", "golden", name)))
            if (Files.isDirectory(p)) return p;
        throw new IllegalStateException("fixture " + name + " not found (run from the repository or the tests module)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"classify_r18slim_64", "classify_r50d16_64_b3_s1", "classify_cnxtiny_64"})
    void matchesReference(String name) throws Exception {
        GoldenCase c = GoldenCase.load(fixture(name));
        Map<String, Tensor> expected = c.io();
        Map<String, Tensor> got = ClassifyGolden.run(c);
        GoldenCheck.Report r = GoldenCheck.compare(name, expected, c.state(), got);
        assertEquals(expected.size() - 2, r.entries().size(), "every expected output (all but input, labels) is compared");
        for (GoldenCheck.Entry e : r.entries())
            if (!e.ok()) fail(name + ": worst tensor " + e + "\n" + r.summary());
        System.out.println(r.summary());
        assertTrue(r.entries().stream().anyMatch(e -> e.name().equals("loss") && e.ok()));
    }
}
