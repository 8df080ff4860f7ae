package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TransformsTest {
    private static FloatImage ramp(int c, int h, int w) {
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return new FloatImage(d, c, h, w);
    }

    @Test void flipMirrorsRowsWithProbabilityP() {
        FloatImage f = new HorizontalFlip(1).apply(ramp(2, 2, 3), new Rng(0));
        assertArrayEquals(new float[]{2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9}, f.data());
        assertArrayEquals(ramp(2, 2, 3).data(), new HorizontalFlip(0).apply(ramp(2, 2, 3), new Rng(0)).data());
        int flipped = 0;
        for (int s = 0; s < 1000; s++) if (new HorizontalFlip(0.5).apply(ramp(1, 1, 2), new Rng(s)).data()[0] == 1) flipped++;
        assertTrue(flipped > 440 && flipped < 560, "flips " + flipped);
    }

    @Test void normalisationValues() {
        float[] d = {0.5f, 1f, 0.5f, 0f, 0.5f, 0.406f};   // [3,1,2]
        FloatImage n = Normalization.IMAGENET.apply(new FloatImage(d, 3, 1, 2), null);
        assertEquals((0.5 - 0.485) / 0.229, n.get(0, 0, 0), 1e-6);   // 0.0655022
        assertEquals((1 - 0.485) / 0.229, n.get(0, 0, 1), 1e-6);     // 2.2489083
        assertEquals((0.5 - 0.456) / 0.224, n.get(1, 0, 0), 1e-6);   // 0.1964286
        assertEquals(-0.456 / 0.224, n.get(1, 0, 1), 1e-6);          // -2.0357143
        assertEquals(0, n.get(2, 0, 1), 1e-6);
        assertEquals(0.5f, Normalization.IMAGENET.denormalize(n.get(0, 0, 0), 0), 1e-6);
        FloatImage f = Normalization.FASHION_MNIST.apply(new FloatImage(new float[]{0, 0, 1}, 3, 1, 1), null);
        assertEquals(-0.2860 / 0.3530, f.get(0, 0, 0), 1e-6);        // -0.8101983
        assertEquals((1 - 0.2860) / 0.3530, f.get(2, 0, 0), 1e-6);   // 2.0226629
        assertArrayEquals(new double[]{0.2860, 0.2860, 0.2860}, Normalization.FASHION_MNIST.mean());
    }

    @Test void centreCropOffsetsAndPadding() {
        // 5 x 7 -> 2 x 3: top = round(1.5) = 2 (half to even), left = round(2.0) = 2
        FloatImage c = new CenterCrop(2, 3).apply(ramp(1, 5, 7), null);
        assertArrayEquals(new float[]{16, 17, 18, 23, 24, 25}, c.data());
        // 7 rows -> 2: round(2.5) = 2
        assertEquals(2, new CenterCrop(2, 1).apply(ramp(1, 7, 1), null).data()[0]);
        // smaller than the crop: zero-pad, odd pixel to the right/bottom
        FloatImage p = new CenterCrop(4, 4).apply(new FloatImage(new float[]{1, 2, 3, 4, 5, 6}, 1, 2, 3), null);
        assertArrayEquals(new float[]{0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0}, p.data());
    }

    @Test void resizeShorterKeepsAspect() {
        FloatImage r = new ResizeShorter(32, Resampling.BICUBIC_PIL).apply(ramp(3, 100, 150), null);
        assertEquals(32, r.height());
        assertEquals(48, r.width());
        FloatImage t = new ResizeShorter(10, Resampling.BICUBIC_TORCH).apply(ramp(1, 33, 21), null);
        assertEquals(15, t.height());   // floor(10 * 33 / 21) = 15
        assertEquals(10, t.width());
    }

    @Test void pipelinesGiveTheRequestedSize() {
        FloatImage img = new FloatImage(new float[3 * 50 * 70], 3, 50, 70);
        FloatImage e = Transforms.eval(32, 0.875, Normalization.IMAGENET, Resampling.BICUBIC_PIL).apply(img, null);
        assertEquals(32, e.height());
        assertEquals(32, e.width());
        assertEquals(-0.485 / 0.229, e.get(0, 5, 5), 1e-6);   // black stays black after resizing
        Transform pre = Transforms.pretrain(32, Normalization.IMAGENET);
        FloatImage a = pre.apply(new FloatImage(ramp(3, 50, 70).data(), 3, 50, 70), new Rng(11));
        FloatImage b = pre.apply(new FloatImage(ramp(3, 50, 70).data(), 3, 50, 70), new Rng(11));
        assertEquals(32, a.width());
        assertArrayEquals(a.data(), b.data(), 0f);
    }
}
