package dev.sparkj.tensor.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared test fixtures (repo-root {@code tests/fixtures}), from the module folder or the root. */
final class Fixtures {
    private Fixtures() {}

    /** {@code tests/fixtures/pth}: PyTorch checkpoints made by {@code make_pth.py} (see its README). */
    static final Path PTH = locate("pth");

    private static Path locate(String sub) {
        String prop = System.getProperty("sparkj.fixtures");
        if (prop != null) return Path.of(prop, sub);
        Path fromModule = Path.of("..", "tests", "fixtures", sub);
        return Files.isDirectory(fromModule) ? fromModule : Path.of("tests", "fixtures", sub);
    }
}
