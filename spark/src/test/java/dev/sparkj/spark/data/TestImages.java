package dev.sparkj.spark.data;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.RenderedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Makes small image files for tests with ImageIO. */
final class TestImages {
    private TestImages() {}

    /** An RGB image whose pixel (x, y) is (10x + 5, 20y + 3, 200 - 7x - 9y) (each mod 256). */
    static BufferedImage rgbPattern(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img.setRGB(x, y, (r(x, y) << 16) | (g(x, y) << 8) | b(x, y));
        return img;
    }

    static int r(int x, int y) { return (10 * x + 5) & 0xff; }
    static int g(int x, int y) { return (20 * y + 3) & 0xff; }
    static int b(int x, int y) { return (200 - 7 * x - 9 * y) & 0xff; }

    static byte[] png(RenderedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) throw new IOException("no png writer");
        return out.toByteArray();
    }

    /** A JPEG at quality 1.0 of an image or a raw raster (4 bands are written as CMYK without colour transform). */
    static byte[] jpeg(Object imageOrRaster) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(1f);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(bos)) {
            w.setOutput(os);
            IIOImage iio = imageOrRaster instanceof Raster r ? new IIOImage(r, null, null) : new IIOImage((RenderedImage) imageOrRaster, null, null);
            w.write(null, iio, p);
        } finally {
            w.dispose();
        }
        return bos.toByteArray();
    }

    /** A 16x16 4-band raster, constant per 8x8 block: block k (row-major) gets {@code px[k]}. */
    static WritableRaster fourBand(int[][] px) {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
                r.setPixel(x, y, px[(y / 8) * 2 + x / 8]);
        return r;
    }

    /** Inserts an Adobe APP14 marker with the given transform right after SOI. */
    static byte[] withAdobe(byte[] jpeg, int transform) {
        byte[] seg = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] out = new byte[jpeg.length + seg.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(seg, 0, out, 2, seg.length);
        System.arraycopy(jpeg, 2, out, 2 + seg.length, jpeg.length - 2);
        return out;
    }

    /** A 4x2 palette PNG, palette entries (k*60, 255 - k*60, 17*k), pixel (x, y) = entry (x + y) % 4. */
    static BufferedImage palette() {
        byte[] r = new byte[4], g = new byte[4], b = new byte[4];
        for (int k = 0; k < 4; k++) { r[k] = (byte) (k * 60); g[k] = (byte) (255 - k * 60); b[k] = (byte) (17 * k); }
        BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(2, 4, r, g, b));
        for (int y = 0; y < 2; y++) for (int x = 0; x < 4; x++) img.getRaster().setSample(x, y, 0, (x + y) % 4);
        return img;
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, bytes);
    }
}
