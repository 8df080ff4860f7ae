package dev.sparkj.spark.data;

import java.awt.image.Raster;

/**
 * Converts raw JPEG component rasters (as {@code ImageReader.readRaster} returns them, with no colour
 * conversion) to planar RGB in [0, 1], for the cases Java's ImageIO gets wrong or refuses: CMYK and
 * YCCK (4 components) and 3-component files it cannot colour-manage.
 *
 * <p>CMYK to RGB is the naive, profile-free conversion that PIL and ImageMagick use:
 * {@code R = (1 - C)(1 - K)}, and likewise G from M, B from Y. Files carrying an Adobe APP14 marker
 * (Photoshop, ImageMagick) store CMYK inverted (0 = full ink), so there {@code R = C' K'} on the stored
 * values. YCCK (Adobe transform 2) is first turned into inverted CMY by the JFIF YCbCr equations:
 * {@code C' = 255 - R(Y,Cb,Cr)}, the K channel passes through.
 */
final class ColorConvert {
    private ColorConvert() {}

    private static final float INV255 = 1f / 255f;

    /** Raw 4-component raster to RGB; {@code adobeTransform} as in {@link JpegHeader} (-1 = no Adobe marker). */
    static FloatImage cmykToRgb(Raster r, int adobeTransform) {
        int w = r.getWidth(), h = r.getHeight(), plane = w * h;
        float[] out = new float[3 * plane];
        int[] px = new int[4 * w];
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int a = px[4 * x], b = px[4 * x + 1], c = px[4 * x + 2], k = px[4 * x + 3];
                float cr, cg, cb;                 // stored "inverted" CMY in 0..255 (255 = no ink)
                if (adobeTransform == 2) {        // YCCK: a = Y, b = Cb, c = Cr
                    cr = 255 - clamp255(a + 1.402f * (c - 128));
                    cg = 255 - clamp255(a - 0.344136f * (b - 128) - 0.714136f * (c - 128));
                    cb = 255 - clamp255(a + 1.772f * (b - 128));
                } else if (adobeTransform >= 0) { // Adobe CMYK: stored inverted
                    cr = a; cg = b; cb = c;
                } else {                          // plain CMYK: 255 = full ink
                    cr = 255 - a; cg = 255 - b; cb = 255 - c; k = 255 - k;
                }
                int o = y * w + x;
                out[o] = cr * k * (INV255 * INV255);
                out[plane + o] = cg * k * (INV255 * INV255);
                out[2 * plane + o] = cb * k * (INV255 * INV255);
            }
        }
        return new FloatImage(out, 3, h, w);
    }

    /** Raw 3-component raster to RGB: YCbCr unless the Adobe marker says transform 0 (stored as RGB). */
    static FloatImage ycbcrToRgb(Raster r, int adobeTransform) {
        int w = r.getWidth(), h = r.getHeight(), plane = w * h;
        float[] out = new float[3 * plane];
        int[] px = new int[3 * w];
        boolean rgb = adobeTransform == 0;
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int a = px[3 * x], b = px[3 * x + 1], c = px[3 * x + 2], o = y * w + x;
                if (rgb) {
                    out[o] = a * INV255; out[plane + o] = b * INV255; out[2 * plane + o] = c * INV255;
                } else {
                    out[o] = clamp255(a + 1.402f * (c - 128)) * INV255;
                    out[plane + o] = clamp255(a - 0.344136f * (b - 128) - 0.714136f * (c - 128)) * INV255;
                    out[2 * plane + o] = clamp255(a + 1.772f * (b - 128)) * INV255;
                }
            }
        }
        return new FloatImage(out, 3, h, w);
    }

    private static float clamp255(float v) { return v < 0 ? 0 : Math.min(v, 255); }
}
