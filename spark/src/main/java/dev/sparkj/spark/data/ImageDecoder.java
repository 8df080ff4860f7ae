package dev.sparkj.spark.data;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Decodes image files (JPEG, PNG, and whatever else ImageIO reads) to RGB {@code [3,H,W]} floats in
 * [0, 1]. The format is recognised from the content, not the file name.
 *
 * <p>Conversions: greyscale is replicated to three channels without any gamma change (as PIL's
 * {@code convert("RGB")}); palette images are looked up; alpha is ignored; 16-bit samples are scaled by
 * 1/65535; embedded ICC profiles are ignored. CMYK and YCCK JPEGs are read as raw rasters and converted
 * by {@link ColorConvert} (ImageIO either refuses them or assumes every CMYK file is Adobe-inverted).
 * A file that cannot be read, is truncated (as PIL by default, a JPEG whose decoder ran out of data,
 * even if only the end marker is missing, is refused), or is larger than {@link #MAX_PIXELS} raises
 * {@link ImageDecodeException} with the reason; nothing else escapes.
 */
public final class ImageDecoder {
    private ImageDecoder() {}

    /** Largest accepted image, in pixels (PIL's decompression-bomb error limit). */
    public static final long MAX_PIXELS = 178_956_970L;

    /** Decodes a file. */
    public static FloatImage decode(Path file) throws ImageDecodeException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            throw new ImageDecodeException(file.toString(), "cannot read file: " + e, e);
        }
        return decode(bytes, file.toString());
    }

    /** Decodes encoded image bytes; {@code name} names the source in error messages. */
    public static FloatImage decode(byte[] bytes, String name) throws ImageDecodeException {
        if (bytes.length == 0) throw new ImageDecodeException(name, "empty file");
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext())
                throw new ImageDecodeException(name, "not a recognised image format (starts with " + hex(bytes) + ")");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                StringBuilder warnings = new StringBuilder();
                reader.addIIOReadWarningListener(collect(warnings));
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels <= 0 || pixels > MAX_PIXELS)
                    throw new ImageDecodeException(name, "image size " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " is empty or exceeds " + MAX_PIXELS + " pixels");
                FloatImage img = JpegHeader.isJpeg(bytes) ? readJpeg(reader, JpegHeader.parse(bytes))
                        : Rasters.toRgb(reader.read(0));
                if (warnings.indexOf("Truncated") >= 0 || warnings.indexOf("Premature end") >= 0)
                    throw new ImageDecodeException(name, "truncated image data");
                return img;
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(name, "corrupt or unsupported image: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new ImageDecodeException(name, "out of memory while decoding", e);
        }
    }

    private static FloatImage readJpeg(ImageReader reader, JpegHeader h) throws IOException {
        if (h.components() == 4) return ColorConvert.cmykToRgb(reader.readRaster(0, null), h.adobeTransform());
        try {
            return Rasters.toRgb(reader.read(0));
        } catch (IIOException e) {               // e.g. "Unsupported Image Type" for an odd ICC profile
            Raster raw = reader.readRaster(0, null);
            if (h.components() == 3) return ColorConvert.ycbcrToRgb(raw, h.adobeTransform());
            if (h.components() == 1) return Rasters.greyToRgb(raw);
            throw e;
        }
    }

    private static IIOReadWarningListener collect(StringBuilder sb) {
        return (source, warning) -> {
            if (sb.length() < 1000) sb.append(warning).append(' ');   // libjpeg repeats its warnings
        };
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) sb.append(String.format("%02x ", b[i] & 0xff));
        return sb.toString().strip();
    }
}
