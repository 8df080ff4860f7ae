package dev.sparkj.spark.data;

/**
 * The few JPEG header facts that decide colour conversion, read from the marker segments before
 * the first scan: the component count of the frame, whether a JFIF (APP0) marker is present, and the
 * Adobe (APP14) colour transform code (0 = none, i.e. RGB or CMYK; 1 = YCbCr; 2 = YCCK), or -1
 * when there is no Adobe marker.
 */
record JpegHeader(int components, boolean jfif, int adobeTransform) {

    /** Whether the bytes start with a JPEG SOI marker. */
    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF;
    }

    /** Parses the markers up to the first SOS; {@code components} is 0 when no frame header was found. */
    static JpegHeader parse(byte[] b) {
        int components = 0, adobe = -1;
        boolean jfif = false;
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xff) != 0xFF) break;                 // lost sync: stop, let the decoder complain
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) { i++; continue; }             // fill byte
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { i += 2; continue; }
            if (marker == 0xD9 || marker == 0xDA) break;       // EOI or start of scan
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            int body = i + 4;
            if (len < 2 || body + len - 2 > b.length) break;
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && len >= 8) components = b[body + 5] & 0xff;
            if (marker == 0xE0 && len >= 7 && ascii(b, body, "JFIF")) jfif = true;
            if (marker == 0xEE && len >= 14 && ascii(b, body, "Adobe")) adobe = b[body + 11] & 0xff;
            i += 2 + len;
        }
        return new JpegHeader(components, jfif, adobe);
    }

    private static boolean ascii(byte[] b, int at, String s) {
        for (int k = 0; k < s.length(); k++) if (b[at + k] != s.charAt(k)) return false;
        return true;
    }
}
