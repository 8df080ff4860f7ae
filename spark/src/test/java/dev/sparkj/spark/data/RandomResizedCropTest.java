package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RandomResizedCropTest {
    private final RandomResizedCrop rrc = RandomResizedCrop.spark(32, Resampling.BICUBIC_PIL);

    @Test void boxesStayInRangesAndInsideTheImage() {
        int H = 200, W = 200;
        double minArea = 1, maxArea = 0, minRatio = 10, maxRatio = 0;
        for (int s = 0; s < 2000; s++) {
            CropBox b = rrc.sample(H, W, new Rng(s));
            assertTrue(b.top() >= 0 && b.left() >= 0 && b.top() + b.height() <= H && b.left() + b.width() <= W, b.toString());
            double area = (double) b.height() * b.width() / (H * W), ratio = (double) b.width() / b.height();
            // rounding w and h to integers moves area and ratio a little past the sampled ranges
            assertTrue(area >= 0.67 - 0.02 && area <= 1.0, "area " + area);
            assertTrue(ratio >= 0.75 - 0.02 && ratio <= 4.0 / 3 + 0.02, "ratio " + ratio);
            minArea = Math.min(minArea, area); maxArea = Math.max(maxArea, area);
            minRatio = Math.min(minRatio, ratio); maxRatio = Math.max(maxRatio, ratio);
        }
        assertTrue(minArea < 0.69 && maxArea > 0.95, minArea + " .. " + maxArea);
        assertTrue(minRatio < 0.8 && maxRatio > 1.25, minRatio + " .. " + maxRatio);
    }

    @Test void sameSeedSameCrop() {
        for (int s = 0; s < 50; s++) assertEquals(rrc.sample(97, 131, new Rng(s)), rrc.sample(97, 131, new Rng(s)));
        int differ = 0;
        for (int s = 0; s < 50; s++) if (!rrc.sample(97, 131, new Rng(s)).equals(rrc.sample(97, 131, new Rng(s + 1000)))) differ++;
        assertTrue(differ > 40, "different seeds give different crops: " + differ);

        float[] d = new float[3 * 40 * 50];
        for (int i = 0; i < d.length; i++) d[i] = (i % 97) / 97f;
        FloatImage img = new FloatImage(d, 3, 40, 50);
        FloatImage a = rrc.apply(new FloatImage(d.clone(), 3, 40, 50), new Rng(7)), b = rrc.apply(img, new Rng(7));
        assertEquals(32, a.height());
        assertEquals(32, a.width());
        assertArrayEquals(a.data(), b.data(), 0f);
    }

    @Test void drawsAreaThenRatioThenTopThenLeft() {
        // Replays torchvision's get_params step by step with the same stream.
        int H = 100, W = 100;
        Rng r = new Rng(42);
        double area = H * W * (0.67 + 0.33 * r.nextDouble());
        double ratio = Math.exp(Math.log(0.75) + (Math.log(4.0 / 3) - Math.log(0.75)) * r.nextDouble());
        int w = (int) Math.rint(Math.sqrt(area * ratio)), h = (int) Math.rint(Math.sqrt(area / ratio));
        int top = r.nextInt(H - h + 1), left = r.nextInt(W - w + 1);   // a square image always fits on the first try
        assertEquals(new CropBox(top, left, h, w), rrc.sample(H, W, new Rng(42)));
    }

    @Test void fallsBackToCentreCropClampedToTheRatio() {
        // 10 x 1000: no attempt fits (h would exceed 10), in_ratio 100 > 4/3 -> h = 10, w = round(10 * 4/3) = 13
        assertEquals(new CropBox(0, 493, 10, 13), rrc.sample(10, 1000, new Rng(1)));
        // 1000 x 10: in_ratio 0.01 < 3/4 -> w = 10, h = round(10 / 0.75) = 13, top = (1000 - 13) / 2 = 493
        assertEquals(new CropBox(493, 0, 13, 10), rrc.sample(1000, 10, new Rng(1)));
        // scale above 1 cannot fit either; ratio inside the range -> the whole image
        RandomResizedCrop big = new RandomResizedCrop(8, 1.5, 2.0, 0.75, 4.0 / 3, Resampling.BICUBIC_TORCH);
        assertEquals(new CropBox(0, 0, 30, 35), big.sample(30, 35, new Rng(3)));
        // 9 x 1000: w = round(9 * 4/3) = 12, left = (1000 - 12) / 2 = 494
        assertEquals(new CropBox(0, 494, 9, 12), rrc.sample(9, 1000, new Rng(0)));
    }
}
