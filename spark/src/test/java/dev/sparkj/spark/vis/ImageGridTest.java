package dev.sparkj.spark.vis;

import dev.sparkj.spark.data.Normalization;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ImageGridTest {
    @TempDir Path dir;

    /** [2,3,4,5] with value (b*60 + c*20 + y*5 + x) / 255. */
    private static Tensor ramp() {
        float[] d = new float[2 * 3 * 4 * 5];
        for (int b = 0; b < 2; b++) for (int c = 0; c < 3; c++) for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++)
            d[((b * 3 + c) * 4 + y) * 5 + x] = (b * 60 + c * 20 + y * 5 + x) / 255f;
        return Tensor.of(d, 2, 3, 4, 5);
    }

    @Test void layoutAndPixels() throws Exception {
        Tensor zeros = Tensor.of(new float[2 * 3 * 4 * 5], 2, 3, 4, 5);
        ImageGrid g = new ImageGrid(Normalization.IDENTITY).scale(3).column("a", ramp()).column("b", zeros);
        Path file = dir.resolve("grid.png");
        g.writePng(file);
        BufferedImage img = ImageIO.read(file.toFile());
        int cw = 15, ch = 12, top = ImageGrid.HEADER, sep = ImageGrid.SEP;
        assertEquals(sep + 2 * (cw + sep), img.getWidth());            // 36
        assertEquals(top + sep + 2 * (ch + sep), img.getHeight());     // 50
        // row 1, column 0, source pixel (y 2, x 3), enlarged 3x: any of its 9 screen pixels
        int x0 = sep, y0 = top + sep + (ch + sep);
        int expect = ((60 + 13) << 16) | ((60 + 20 + 13) << 8) | (60 + 40 + 13);
        for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++)
            assertEquals(expect, img.getRGB(x0 + 3 * 3 + dx, y0 + 2 * 3 + dy) & 0xFFFFFF);
        assertEquals(0, img.getRGB(sep + cw + sep + 4, top + sep + 4) & 0xFFFFFF);        // column b is black
        assertEquals(ImageGrid.SEP_COLOR.getRGB() & 0xFFFFFF, img.getRGB(sep + cw, top + 5) & 0xFFFFFF);   // separator
        assertEquals(0xFFFFFF, img.getRGB(1, 1) & 0xFFFFFF);           // header background
    }

    @Test void denormalisesAndClamps() {
        float[] d = new float[3];          // one pixel at 0 in normalised space = the dataset mean
        Tensor t = Tensor.of(d, 1, 3, 1, 1);
        BufferedImage img = new ImageGrid(Normalization.IMAGENET).scale(1).column(null, t).render();
        assertEquals(1 + 2 * ImageGrid.SEP, img.getHeight());   // no header without labels
        assertEquals((124 << 16) | (116 << 8) | 104, img.getRGB(ImageGrid.SEP, ImageGrid.SEP) & 0xFFFFFF);  // 0.485/0.456/0.406 * 255
        Tensor big = Tensor.of(new float[]{10, -10, Float.NaN}, 1, 3, 1, 1);
        BufferedImage c = new ImageGrid(Normalization.IMAGENET).scale(1).column(null, big).render();
        assertEquals(0xFF0000, c.getRGB(ImageGrid.SEP, ImageGrid.SEP) & 0xFFFFFF);
        assertEquals(255, ImageGrid.to8(1.2f));
        assertEquals(128, ImageGrid.to8(0.5f));    // 127.5 rounds up
    }

    @Test void defaultScaleMakesSmallImagesVisible() {
        Tensor t = Tensor.of(new float[2 * 3 * 32 * 32], 2, 3, 32, 32);
        ImageGrid g = new ImageGrid(Normalization.FASHION_MNIST).column("x", t);
        assertEquals(3, g.effectiveScale());
        assertEquals(ImageGrid.SEP + 96 + ImageGrid.SEP, g.render().getWidth());
        assertThrows(IllegalArgumentException.class, () -> g.column("y", Tensor.of(new float[3 * 32 * 32], 1, 3, 32, 32)));
    }
}
