package dev.sparkj.tensor.io;

import java.io.IOException;

/**
 * A tensor file that cannot be read: truncated, malformed, inconsistent or refused (an unsafe pickle).
 * The message starts with the file's name and says which entry and what is wrong.
 */
public class TensorFileException extends IOException {
    public TensorFileException(String file, String problem) {
        super(file + ": " + problem);
    }

    public TensorFileException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
