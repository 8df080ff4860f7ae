package dev.sparkj.spark.data;

import java.util.List;

/**
 * A random-access collection of images for the loader: sample {@code i} decodes to RGB
 * {@code [3,H,W]} floats in [0, 1]. Implementations must be safe to call from several loader threads
 * at once (read-only after construction).
 */
public interface ImageDataset {
    /** Number of samples. */
    int size();

    /** Decodes sample {@code index}; a corrupt sample raises {@link ImageDecodeException}. */
    FloatImage load(int index) throws ImageDecodeException;

    /** Where sample {@code index} comes from (a path, or {@code name[index]}), for reports. */
    String describe(int index);

    /** The class index of sample {@code index}, or -1 when the dataset is unlabelled. */
    default int label(int index) { return -1; }

    /** Class names, indexed by label; empty when unlabelled. */
    default List<String> classes() { return List.of(); }
}
