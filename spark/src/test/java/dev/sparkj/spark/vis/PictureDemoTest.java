package dev.sparkj.spark.vis;

import dev.sparkj.spark.data.Datasets;
import dev.sparkj.spark.data.FloatImage;
import dev.sparkj.spark.data.IdxDataset;
import dev.sparkj.spark.data.Normalization;
import dev.sparkj.spark.data.Resampling;
import dev.sparkj.spark.data.Resize;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Writes example pictures to {@code target/vis-demo/} for a person to look at: a reconstruction grid
 * from quickstart images (64 px, 2x2 patches of 32, a fake "reconstruction" = a blurred copy) and a
 * loss curve shaped like a pre-training run.
 */
class PictureDemoTest {
    @Test void writeDemoPictures() throws Exception {
        Path out = Path.of("target", "vis-demo");
        IdxDataset q = Datasets.quickstart();
        int B = 4, S = 64, P = 32;
        Normalization n = Normalization.FASHION_MNIST;
        float[] orig = new float[B * 3 * S * S], masked = new float[orig.length], rec = new float[orig.length], mixed = new float[orig.length];
        Rng rng = new Rng(5);
        for (int b = 0; b < B; b++) {
            FloatImage img = n.apply(Resize.resize(q.load(b * 7), S, S, Resampling.BICUBIC_PIL), null);
            FloatImage blur = Resize.resize(Resize.resize(img, 12, 12, Resampling.BICUBIC_PIL), S, S, Resampling.BICUBIC_TORCH);
            int[] perm = rng.permutation(4);
            boolean[] visible = new boolean[4];
            visible[perm[0]] = true;                                   // keep 1 of 4 patches (mask ratio 0.75)
            visible[perm[1]] = true;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < S; y++)
                    for (int x = 0; x < S; x++) {
                        int i = ((b * 3 + c) * S + y) * S + x;
                        boolean v = visible[(y / P) * 2 + x / P];
                        orig[i] = img.get(c, y, x);
                        masked[i] = v ? orig[i] : 0;
                        rec[i] = blur.get(c, y, x);
                        mixed[i] = v ? orig[i] : rec[i];
                    }
        }
        Path grid = out.resolve("reconstruction-demo.png");
        Reconstructions.writePng(grid, Tensor.of(orig, B, 3, S, S), Tensor.of(masked, B, 3, S, S), Tensor.of(rec, B, 3, S, S),
                Tensor.of(mixed, B, 3, S, S), n, 8);
        assertTrue(Files.size(grid) > 1000);

        // 32-px quickstart images as they come (padded 28 -> 32), enlarged 3x
        float[] small = new float[8 * 3 * 32 * 32];
        for (int b = 0; b < 8; b++) System.arraycopy(n.apply(q.load(b), null).data(), 0, small, b * 3 * 32 * 32, 3 * 32 * 32);
        Tensor t = Tensor.of(small, 8, 3, 32, 32);
        new ImageGrid(n).column("quickstart", t.slice(0, 0, 4)).column("more", t.slice(0, 4, 8)).writePng(out.resolve("quickstart-demo.png"));

        List<LossCurve.Point> pts = new ArrayList<>();
        Rng r = new Rng(1);
        for (int it = 0; it <= 3000; it += 10)
            pts.add(new LossCurve.Point(it, 0.35 + 0.65 * Math.exp(-it / 700.0) + 0.04 * r.nextGaussian()));
        LossCurve.writePng(out.resolve("loss-demo.png"), pts, "SparK pre-training loss (demo data)");
        assertTrue(Files.size(out.resolve("loss-demo.png")) > 1000);
    }
}
