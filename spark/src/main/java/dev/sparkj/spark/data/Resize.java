package dev.sparkj.spark.data;

/**
 * Bicubic resizing of a rectangular region of a planar image to a new size, the core of every
 * geometric transform here (crop + resize in one pass, so a crop never copies). See
 * {@link Resampling} for the two exact conventions (torch tensors vs PIL).
 */
public final class Resize {
    private Resize() {}

    /** Resizes the whole image to {@code outH x outW}. */
    public static FloatImage resize(FloatImage src, int outH, int outW, Resampling mode) {
        return resizeRegion(src, 0, 0, src.height(), src.width(), outH, outW, mode);
    }

    /**
     * Crops rows {@code [top, top+h)} and columns {@code [left, left+w)} (which must lie inside the
     * image) and resizes that region to {@code outH x outW}; the region's edges act as the image edges.
     */
    public static FloatImage resizeRegion(FloatImage src, int top, int left, int h, int w, int outH, int outW, Resampling mode) {
        if (h <= 0 || w <= 0 || outH <= 0 || outW <= 0) throw new IllegalArgumentException("empty region or output");
        if (top < 0 || left < 0 || top + h > src.height() || left + w > src.width())
            throw new IllegalArgumentException("region (" + top + "," + left + ") " + h + "x" + w + " outside " + src);
        int C = src.channels(), W = src.width(), H = src.height();
        float[] in = src.data();
        if (h == outH && w == outW) return crop(src, top, left, h, w);
        Taps tx = Taps.of(w, outW, mode), ty = Taps.of(h, outH, mode);
        // rows pass: [C, h, w] region -> [C, h, outW]
        float[] tmp = new float[C * h * outW];
        for (int c = 0; c < C; c++) {
            for (int y = 0; y < h; y++) {
                int rowIn = (c * H + top + y) * W + left, rowOut = (c * h + y) * outW;
                for (int x = 0; x < outW; x++) {
                    int k0 = x * tx.k;
                    float s = 0;
                    for (int k = 0; k < tx.k; k++) s += tx.weight[k0 + k] * in[rowIn + tx.index[k0 + k]];
                    tmp[rowOut + x] = s;
                }
            }
        }
        // columns pass: [C, h, outW] -> [C, outH, outW]
        float[] out = new float[C * outH * outW];
        boolean clamp = mode.antialias();
        for (int c = 0; c < C; c++) {
            for (int y = 0; y < outH; y++) {
                int k0 = y * ty.k, rowOut = (c * outH + y) * outW;
                for (int x = 0; x < outW; x++) out[rowOut + x] = 0;
                for (int k = 0; k < ty.k; k++) {
                    float wgt = ty.weight[k0 + k];
                    if (wgt == 0) continue;
                    int rowIn = (c * h + ty.index[k0 + k]) * outW;
                    for (int x = 0; x < outW; x++) out[rowOut + x] += wgt * tmp[rowIn + x];
                }
                if (clamp) for (int x = 0; x < outW; x++) out[rowOut + x] = Math.min(1f, Math.max(0f, out[rowOut + x]));
            }
        }
        return new FloatImage(out, C, outH, outW);
    }

    /** Copies a region (no resampling). */
    public static FloatImage crop(FloatImage src, int top, int left, int h, int w) {
        int C = src.channels(), W = src.width(), H = src.height();
        float[] out = new float[C * h * w];
        for (int c = 0; c < C; c++)
            for (int y = 0; y < h; y++)
                System.arraycopy(src.data(), (c * H + top + y) * W + left, out, (c * h + y) * w, w);
        return new FloatImage(out, C, h, w);
    }

    /** Per output coordinate, {@code k} input indices (relative to the region) and weights. */
    record Taps(int k, int[] index, float[] weight) {
        static Taps of(int in, int out, Resampling mode) {
            return mode.antialias() ? pil(in, out, mode.a()) : torch(in, out, mode.a());
        }

        static Taps torch(int in, int out, double a) {
            int[] index = new int[out * 4];
            float[] weight = new float[out * 4];
            double scale = (double) in / out;
            for (int x = 0; x < out; x++) {
                double src = scale * (x + 0.5) - 0.5;
                int i0 = (int) Math.floor(src);
                double t = src - i0;
                for (int k = 0; k < 4; k++) {
                    index[4 * x + k] = Math.min(Math.max(i0 - 1 + k, 0), in - 1);
                    weight[4 * x + k] = (float) Resampling.cubic(t + 1 - k, a);
                }
            }
            return new Taps(4, index, weight);
        }

        static Taps pil(int in, int out, double a) {
            double scale = (double) in / out, filterScale = Math.max(scale, 1), support = 2 * filterScale;
            int k = (int) Math.ceil(support) * 2 + 1;
            int[] index = new int[out * k];
            float[] weight = new float[out * k];
            double[] w = new double[k];
            for (int x = 0; x < out; x++) {
                double center = (x + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), in);
                double sum = 0;
                int n = Math.min(hi - lo, k);
                for (int j = 0; j < n; j++) {
                    w[j] = Resampling.cubic((lo + j - center + 0.5) / filterScale, a);
                    sum += w[j];
                }
                for (int j = 0; j < k; j++) {
                    index[x * k + j] = Math.min(lo + j, in - 1);
                    weight[x * k + j] = j < n && sum != 0 ? (float) (w[j] / sum) : 0f;
                }
            }
            return new Taps(k, index, weight);
        }
    }
}
