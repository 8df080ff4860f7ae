package dev.sparkj.spark.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;

/**
 * Turns decoded ImageIO rasters into planar RGB floats in [0, 1] by reading the stored samples
 * directly (no colour management, no gamma): grey is replicated, palettes are looked up, alpha is
 * dropped, samples are scaled by their bit depth. Interleaved 8-bit rasters take a fast path.
 */
final class Rasters {
    private Rasters() {}

    /** Any decoded image to RGB. */
    static FloatImage toRgb(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        if (cm instanceof IndexColorModel icm) return palette(r, icm);
        int type = cm.getColorSpace().getType();
        if (type == ColorSpace.TYPE_GRAY) return greyToRgb(r);
        if (type == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) return bands(r, new int[]{0, 1, 2});
        return viaGetRgb(img);                    // anything exotic: let Java2D convert to sRGB
    }

    /** Band 0 of a raster replicated to three channels. */
    static FloatImage greyToRgb(Raster r) {
        return bands(r, new int[]{0, 0, 0});
    }

    /** Copies the given source bands into R, G, B planes, each scaled by its bit depth. */
    private static FloatImage bands(Raster r, int[] src) {
        int w = r.getWidth(), h = r.getHeight(), plane = w * h;
        float[] out = new float[3 * plane];
        if (r.getSampleModel() instanceof PixelInterleavedSampleModel sm && r.getDataBuffer() instanceof DataBufferByte db
                && db.getNumBanks() == 1 && r.getSampleModelTranslateX() == -r.getMinX() && r.getSampleModelTranslateY() == -r.getMinY()) {
            byte[] data = db.getData();
            int ps = sm.getPixelStride(), ss = sm.getScanlineStride(), base = db.getOffset();
            int[] offs = sm.getBandOffsets();
            for (int c = 0; c < 3; c++) {
                int bo = offs[src[c]];
                for (int y = 0; y < h; y++) {
                    int i = base + y * ss + bo, o = c * plane + y * w;
                    for (int x = 0; x < w; x++, i += ps) out[o + x] = (data[i] & 0xff) * (1f / 255f);
                }
            }
            return new FloatImage(out, 3, h, w);
        }
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            float scale = 1f / ((1L << r.getSampleModel().getSampleSize(src[c])) - 1);
            for (int y = 0; y < h; y++) {
                r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, src[c], row);
                int o = c * plane + y * w;
                for (int x = 0; x < w; x++) out[o + x] = row[x] * scale;
            }
        }
        return new FloatImage(out, 3, h, w);
    }

    private static FloatImage palette(Raster r, IndexColorModel icm) {
        int w = r.getWidth(), h = r.getHeight(), plane = w * h, n = icm.getMapSize();
        float[] red = new float[n], green = new float[n], blue = new float[n];
        for (int i = 0; i < n; i++) {
            red[i] = icm.getRed(i) / 255f; green[i] = icm.getGreen(i) / 255f; blue[i] = icm.getBlue(i) / 255f;
        }
        float[] out = new float[3 * plane];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int k = Math.min(row[x], n - 1), o = y * w + x;
                out[o] = red[k]; out[plane + o] = green[k]; out[2 * plane + o] = blue[k];
            }
        }
        return new FloatImage(out, 3, h, w);
    }

    private static FloatImage viaGetRgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight(), plane = w * h;
        float[] out = new float[3 * plane];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x], o = y * w + x;
                out[o] = ((p >> 16) & 0xff) / 255f; out[plane + o] = ((p >> 8) & 0xff) / 255f; out[2 * plane + o] = (p & 0xff) / 255f;
            }
        }
        return new FloatImage(out, 3, h, w);
    }
}
