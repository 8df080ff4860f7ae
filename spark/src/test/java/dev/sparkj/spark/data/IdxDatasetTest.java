package dev.sparkj.spark.data;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class IdxDatasetTest {
    private static Tensor images() {
        byte[] b = new byte[2 * 28 * 28];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i % 251);
        return Tensor.ofBytes(b, DType.U8, 2, 28, 28);
    }

    @Test void padFitsTo32WithZeroBorder() {
        IdxDataset d = new IdxDataset("t", images(), Tensor.ofLongs(new long[]{3, 9}, 2), IdxDataset.Fit.PAD, 32, List.of());
        FloatImage img = d.load(1);
        assertEquals(32, img.height());
        assertEquals(32, img.width());
        assertEquals(0f, img.get(0, 0, 0));
        assertEquals(0f, img.get(2, 1, 31));
        // source pixel (y 0, x 0) of image 1 is (784 % 251) = 31 -> lands at (2, 2)
        assertEquals(31 / 255f, img.get(0, 2, 2), 1e-7);
        assertEquals(img.get(0, 2, 2), img.get(1, 2, 2));
        assertEquals(img.get(0, 2, 2), img.get(2, 2, 2));
        assertEquals(((784 + 27 * 28 + 27) % 251) / 255f, img.get(1, 29, 29), 1e-7);
        assertEquals(9, d.label(1));
        assertEquals("t[1]", d.describe(1));
    }

    @Test void resizeAndNoneOptions() {
        IdxDataset r = new IdxDataset("t", images(), null, IdxDataset.Fit.RESIZE, 32, List.of());
        FloatImage img = r.load(0);
        assertEquals(32, img.width());
        assertEquals(-1, r.label(0));
        // equals a PIL-bicubic resize of the grey image
        float[] grey = new float[784];
        for (int i = 0; i < 784; i++) grey[i] = (i % 251) / 255f;
        FloatImage ref = Resize.resize(new FloatImage(grey, 1, 28, 28), 32, 32, Resampling.BICUBIC_PIL);
        assertEquals(ref.get(0, 17, 5), img.get(2, 17, 5), 0f);
        IdxDataset n = new IdxDataset("t", images(), null, IdxDataset.Fit.NONE, 32, List.of());
        assertEquals(28, n.load(0).height());
    }

    @Test void quickstartIsTheBundledFashionMnistSlice() throws Exception {
        IdxDataset q = Datasets.quickstart();
        assertEquals(4000, q.size());
        assertEquals(32, q.height());
        assertEquals(10, q.classes().size());
        assertEquals("Ankle boot", q.classes().get(q.label(0)));   // Fashion-MNIST train[0] is an ankle boot (9)
        assertEquals(9, q.label(0));
        assertEquals(0, q.label(1));
        // row 14 of train[0] starts 0, 0, 1, 4, 6, 7, 2, 0 ... and has 237 at column 12 (read with Python's gzip)
        FloatImage img = q.load(0);
        assertEquals(1 / 255f, img.get(0, 14 + 2, 2 + 2), 1e-7);
        assertEquals(7 / 255f, img.get(1, 14 + 2, 5 + 2), 1e-7);
        assertEquals(237 / 255f, img.get(2, 14 + 2, 12 + 2), 1e-7);
        // per-pixel statistics of the slice before padding: mean 0.2855, std 0.3541; padding adds zeros
        Normalization m = Normalization.measure(Datasets.quickstart(IdxDataset.Fit.NONE), 4000);
        assertEquals(0.28549, m.mean(0), 1e-4);
        assertEquals(0.35414, m.std(1), 1e-4);
    }
}
