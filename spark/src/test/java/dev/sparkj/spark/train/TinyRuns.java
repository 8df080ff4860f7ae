package dev.sparkj.spark.train;

import dev.sparkj.spark.data.FloatImage;
import dev.sparkj.spark.data.ImageDataset;
import dev.sparkj.spark.data.Normalization;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Tiny models, data and configs for trainer, checkpoint and command tests. */
public final class TinyRuns {
    private TinyRuns() {}

    /** A slim ResNet (BasicBlocks, one per stage, channels 8-16). */
    public static final Map<String, Object> ARCH = Map.of("family", "resnet", "block", "basicblock",
            "layers", List.of(1, 1, 1, 1), "channels", List.of(8, 8, 8, 16, 16));

    /** {@code n} synthetic 32x32 RGB images (smooth patterns that differ per image), values in [0, 1]. */
    public static ImageDataset data(int n) {
        return new Synthetic(n, false);
    }

    /** Like {@link #data} but every image is NaN (a broken input that makes the loss non-finite). */
    public static ImageDataset nanData(int n) {
        return new Synthetic(n, true);
    }

    private record Synthetic(int n, boolean nan) implements ImageDataset {
        @Override public int size() { return n; }

        @Override public FloatImage load(int index) {
            float[] d = new float[3 * 32 * 32];
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                        d[(c * 32 + y) * 32 + x] = nan ? Float.NaN
                                : (float) (0.5 + 0.4 * Math.sin(0.3 * (index + 1) * x + 0.2 * c) * Math.cos(0.25 * y + 0.7 * index));
            return new FloatImage(d, 3, 32, 32);
        }

        @Override public String describe(int index) { return "synthetic[" + index + "]"; }
    }

    /** Tiny settings: 64 px (2x2 patches), batch 2, decoder width 32, drop path 0.1, 2 epochs, warm-up 1 epoch. */
    public static PretrainConfig.Builder config(Path out) {
        return PretrainConfig.builder("tiny-resnet").arch(ARCH).inputSize(64).batch(2).epochs(2).warmupEpochs(1)
                .baseLr(0.05).decoderWidth(32).dropPath(0.1).seed(7).workers(1).data("synthetic")
                .normalization(Normalization.grey(0.5, 0.25)).out(out.toString()).visCount(2);
    }

    /** {@code tests/fixtures/<sub>} from the module folder or the repository root. */
    public static Path fixtures(String sub) {
        Path fromModule = Path.of("..", "tests", "fixtures", sub);
        return Files.isDirectory(fromModule) ? fromModule : Path.of("tests", "fixtures", sub);
    }
}
