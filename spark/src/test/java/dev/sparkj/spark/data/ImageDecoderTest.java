package dev.sparkj.spark.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class ImageDecoderTest {
    @TempDir Path dir;

    private static void assertRgb(FloatImage img, int x, int y, int r, int g, int b, double tol) {
        assertEquals(r / 255.0, img.get(0, y, x), tol, "R at " + x + "," + y);
        assertEquals(g / 255.0, img.get(1, y, x), tol, "G at " + x + "," + y);
        assertEquals(b / 255.0, img.get(2, y, x), tol, "B at " + x + "," + y);
    }

    @Test void pngRgbIsExact() throws Exception {
        FloatImage img = ImageDecoder.decode(TestImages.png(TestImages.rgbPattern(5, 3)), "rgb.png");
        assertEquals(3, img.channels());
        assertEquals(3, img.height());
        assertEquals(5, img.width());
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++) assertRgb(img, x, y, TestImages.r(x, y), TestImages.g(x, y), TestImages.b(x, y), 1e-7);
    }

    @Test void pngRgbaIgnoresAlpha() throws Exception {
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00_102030);   // fully transparent
        a.setRGB(1, 0, 0x80_405060);
        FloatImage img = ImageDecoder.decode(TestImages.png(a), "rgba.png");
        assertRgb(img, 0, 0, 0x10, 0x20, 0x30, 1e-7);
        assertRgb(img, 1, 0, 0x40, 0x50, 0x60, 1e-7);
    }

    @Test void pngGreyIsReplicatedWithoutGamma() throws Exception {
        BufferedImage g = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] v = {0, 50, 128, 200, 254, 255};
        for (int i = 0; i < 6; i++) g.getRaster().setSample(i % 3, i / 3, 0, v[i]);
        FloatImage img = ImageDecoder.decode(TestImages.png(g), "grey.png");
        for (int i = 0; i < 6; i++) assertRgb(img, i % 3, i / 3, v[i], v[i], v[i], 1e-7);   // getRGB would give 50 -> 124
    }

    @Test void pngGrey16ScalesBy65535() throws Exception {
        BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSample(0, 0, 0, 65535);
        g.getRaster().setSample(1, 0, 0, 1000);
        FloatImage img = ImageDecoder.decode(TestImages.png(g), "grey16.png");
        assertEquals(1f, img.get(1, 0, 0), 1e-7);
        assertEquals(1000 / 65535.0, img.get(2, 0, 1), 1e-7);
    }

    @Test void pngPaletteIsLookedUp() throws Exception {
        FloatImage img = ImageDecoder.decode(TestImages.png(TestImages.palette()), "palette.png");
        assertEquals(2, img.height());
        assertEquals(4, img.width());
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++) {
                int k = (x + y) % 4;
                assertRgb(img, x, y, k * 60, 255 - k * 60, 17 * k, 1e-7);
            }
    }

    @Test void jpegRgbIsClose() throws Exception {
        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) flat.setRGB(x, y, 0xC86432);  // (200, 100, 50)
        FloatImage img = ImageDecoder.decode(TestImages.jpeg(flat), "flat.jpg");
        assertEquals(16, img.width());
        assertRgb(img, 7, 9, 200, 100, 50, 2.5 / 255);   // YCbCr rounding only
    }

    @Test void jpegGreyIsReplicated() throws Exception {
        BufferedImage g = new BufferedImage(16, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 16; x++) g.getRaster().setSample(x, y, 0, x < 8 ? 40 : 220);
        FloatImage img = ImageDecoder.decode(TestImages.jpeg(g), "grey.jpg");
        assertRgb(img, 3, 4, 40, 40, 40, 1.5 / 255);
        assertRgb(img, 12, 4, 220, 220, 220, 1.5 / 255);
        assertEquals(img.get(0, 4, 12), img.get(2, 4, 12));
    }

    // Blocks: CMYK ink values (0 = none, 255 = full), and the RGB that (1-C)(1-K) etc. gives.
    private static final int[][] INK = {{0, 255, 255, 0}, {255, 0, 0, 60}, {40, 80, 120, 160}, {0, 0, 0, 0}};

    private static int[] rgbOfInk(int[] ink) {
        int k = 255 - ink[3];
        return new int[]{(255 - ink[0]) * k / 255, (255 - ink[1]) * k / 255, (255 - ink[2]) * k / 255};
    }

    @Test void jpegCmykWithoutAdobeMarker() throws Exception {
        byte[] jpg = TestImages.jpeg(TestImages.fourBand(INK));
        assertEquals(-1, JpegHeader.parse(jpg).adobeTransform());
        assertEquals(4, JpegHeader.parse(jpg).components());
        FloatImage img = ImageDecoder.decode(jpg, "cmyk.jpg");
        for (int k = 0; k < 4; k++) {
            int[] rgb = rgbOfInk(INK[k]);
            assertRgb(img, (k % 2) * 8 + 4, (k / 2) * 8 + 4, rgb[0], rgb[1], rgb[2], 2.0 / 255);
        }
        assertRgb(img, 4, 4, 255, 0, 0, 2.0 / 255);       // block 0 is red
    }

    @Test void jpegAdobeInvertedCmyk() throws Exception {
        int[][] stored = new int[4][];
        for (int k = 0; k < 4; k++) stored[k] = Arrays.stream(INK[k]).map(v -> 255 - v).toArray();
        byte[] jpg = TestImages.withAdobe(TestImages.jpeg(TestImages.fourBand(stored)), 0);
        assertEquals(0, JpegHeader.parse(jpg).adobeTransform());
        FloatImage img = ImageDecoder.decode(jpg, "adobe-cmyk.jpg");
        for (int k = 0; k < 4; k++) {
            int[] rgb = rgbOfInk(INK[k]);
            assertRgb(img, (k % 2) * 8 + 4, (k / 2) * 8 + 4, rgb[0], rgb[1], rgb[2], 2.0 / 255);
        }
    }

    /**
     * A real YCCK JPEG written by ImageMagick 6 ({@code convert src.ppm -colorspace CMYK -quality 100
     * -sampling-factor 1x1}); expected RGB are ImageMagick's own decode ({@code -colorspace sRGB txt:}).
     */
    @Test void jpegYcckFromImageMagick() throws Exception {
        byte[] jpg;
        try (InputStream in = getClass().getResourceAsStream("ycck-imagemagick-16x16.jpg")) {
            jpg = in.readAllBytes();
        }
        JpegHeader h = JpegHeader.parse(jpg);
        assertEquals(4, h.components());
        assertEquals(2, h.adobeTransform());
        FloatImage img = ImageDecoder.decode(jpg, "ycck.jpg");
        assertRgb(img, 4, 4, 230, 30, 40, 1.5 / 255);        // ImageMagick: 230, 29.77, 39.68
        assertRgb(img, 12, 4, 19, 160, 60, 1.5 / 255);       // 19.45, 160, 60.23
        assertRgb(img, 4, 12, 30, 61, 220, 1.5 / 255);       // 30.19, 61.26, 220
        assertRgb(img, 12, 12, 249, 240, 200, 1.5 / 255);    // 249.02, 240.20, 200
    }

    @Test void contentDecidesFormatNotName() throws Exception {
        Path p = TestImages.write(dir.resolve("actually-a-png.jpg"), TestImages.png(TestImages.rgbPattern(2, 2)));
        FloatImage img = ImageDecoder.decode(p);
        assertRgb(img, 1, 1, TestImages.r(1, 1), TestImages.g(1, 1), TestImages.b(1, 1), 1e-7);
    }

    @Test void corruptInputsRaiseWithReason() throws Exception {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode("hello world".getBytes(), "notes.png"));
        assertEquals("notes.png", e.source());
        assertTrue(e.reason().startsWith("not a recognised image format"), e.reason());
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(new byte[0], "empty.png"));

        byte[] png = TestImages.png(TestImages.rgbPattern(20, 20));
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(cut, "cut.png"));

        byte[] jpg = TestImages.jpeg(TestImages.rgbPattern(20, 20));
        byte[] cutJpg = Arrays.copyOf(jpg, jpg.length * 2 / 3);
        ImageDecodeException t = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(cutJpg, "cut.jpg"));
        assertTrue(t.getMessage().startsWith("cut.jpg: "), t.getMessage());

        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(dir.resolve("missing.jpg")));
    }
}
