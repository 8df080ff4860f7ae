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
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The committed {@code classify} fixtures (tests/golden) under golden-format.md's tolerances: loss relative
 * error ≤ 1e-4, every other tensor max|got - ref| / max|ref| ≤ 2e-3. Fails naming the worst tensor.
 */
class ClassifyGoldenTest {

    /**
     * Tensors a fixture's float32 reference cannot pin down, with the reason; they are still checked, at 10×
     * the tolerance. classify_r50slim_64: the reference's float32 forward puts one element of layer1.1's
     * residual sum (the act3 input) on the other side of zero (-4.4e-6 in PyTorch float32, +1.2e-6 in the
     * same model run in float64), so the gradients that flow back through that ReLU (layer1.1 and everything
     * before it) differ by ~6e-3 from any more exact computation. Against expected outputs made by the
     * reference in float64 every tensor of this fixture passes at 2.5e-4. Remove the entry once the fixture's
     * outputs are regenerated in float64.
     */
    private static final Map<String, Pattern> FLOAT32_KINKS = Map.of(
            "classify_r50slim_64", Pattern.compile("grad\\.(conv1|bn1|layer1\\.[01])\\..*"));

    static Path fixture(String name) {
        for (Path p : List.of(Path.of("golden", name), Path.of("tests", "golden", name)))
            if (Files.isDirectory(p)) return p;
        throw new IllegalStateException("fixture " + name + " not found (run from the repository or the tests module)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"classify_r18slim_64", "classify_r50slim_64", "classify_cnxtiny_64"})
    void matchesReference(String name) throws Exception {
        GoldenCase c = GoldenCase.load(fixture(name));
        Map<String, Tensor> expected = c.io();
        Map<String, Tensor> got = ClassifyGolden.run(c);
        GoldenCheck.Report r = GoldenCheck.compare(name, expected, c.state(), got);
        assertEquals(expected.size() - 2, r.entries().size(), "every expected output (all but input, labels) is compared");
        Pattern kink = FLOAT32_KINKS.get(name);
        int exempted = 0;
        for (GoldenCheck.Entry e : r.entries()) {
            boolean exempt = kink != null && kink.matcher(e.name()).matches();
            double tol = exempt ? 10 * e.tolerance() : e.tolerance();
            if (exempt && !e.ok()) exempted++;
            if (e.problem() != null || !(e.error() <= tol))
                fail(name + ": worst tensor " + e + (exempt ? " (float32-kink exemption, 10x tolerance)" : "") + "\n" + r.summary());
        }
        System.out.println(exempted == 0 ? r.summary()
                : "PASS " + name + " with " + exempted + " float32-kink tensors within 10x tolerance; strict report: " + r.summary());
        assertTrue(r.entries().stream().anyMatch(e -> e.name().equals("loss") && e.ok()));
    }
}
