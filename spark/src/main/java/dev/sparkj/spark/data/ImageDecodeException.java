package dev.sparkj.spark.data;

import java.io.IOException;

/** Signals a file that cannot be decoded as an image; carries the file's name and the reason, for skip reports. */
public final class ImageDecodeException extends IOException {
    private final String source;
    private final String reason;

    public ImageDecodeException(String source, String reason) { this(source, reason, null); }

    public ImageDecodeException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
        this.source = source;
        this.reason = reason;
    }

    /** The file (or other source) that failed. */
    public String source() { return source; }

    /** Why it failed, without the file name. */
    public String reason() { return reason; }
}
